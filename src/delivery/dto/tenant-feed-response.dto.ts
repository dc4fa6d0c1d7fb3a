import { applyDecorators } from '@nestjs/common';
import { z } from 'zod';
import {
  ApiProblem,
  ApiRawResponse,
  ApiZodParam,
  ApiZodQuery,
  ApiZodResponse,
  responseSchema,
  timestamp,
} from '../../common/openapi.js';
import { TENANT_ID } from '../../tenants/dto/tenant.dto.js';

// JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/): every field the format defines, so a
// feed that grows within the format stays documented, plus Herald's `_herald` extension.
const author = z.object({
  name: z.string().optional(),
  url: z.string().optional(),
  avatar: z.string().optional(),
});

const feedItemSchema = z.object({
  id: z.string().meta({ description: 'urn:uuid of the post; stable' }),
  url: z.string().optional(),
  external_url: z.string().optional(),
  title: z.string().optional(),
  content_html: z.string().optional(),
  content_text: z.string().optional(),
  summary: z.string().optional(),
  image: z.string().optional(),
  banner_image: z.string().optional(),
  date_published: timestamp().optional(),
  date_modified: timestamp().optional(),
  authors: z.array(author).optional(),
  tags: z.array(z.string()).optional(),
  language: z.string().optional(),
  _herald: z
    .object({
      noticeId: z.uuid(),
      incidentId: z.uuid(),
      kind: z.string(),
      externalId: z.string(),
    })
    .optional(),
});

export const jsonFeedSchema = z.object({
  version: z.literal('https://jsonfeed.org/version/1.1'),
  title: z.string(),
  home_page_url: z.string().optional(),
  feed_url: z.string().optional(),
  description: z.string().optional(),
  user_comment: z.string().optional(),
  next_url: z.string().optional().meta({ description: 'The next 50 posts, when there are more' }),
  icon: z.string().optional(),
  favicon: z.string().optional(),
  authors: z.array(author).optional(),
  language: z.string().optional(),
  expired: z.boolean().optional(),
  items: z.array(feedItemSchema),
});

const feedQuery = z.strictObject({ cursor: z.string().optional() });

const conditional = {
  ETag: { description: 'Send it back as If-None-Match' },
  'Cache-Control': { description: 'private, no-cache' },
};

function feedRoute() {
  return applyDecorators(
    ApiZodParam('id', TENANT_ID, 'The tenant id'),
    ApiRawResponse(304, { description: 'Not modified since the ETag sent in If-None-Match' }),
    ApiProblem(404, 'No such tenant'),
  );
}

/**
 * What GET /v1/tenants/{id}/feed answers, for feed.controller.ts (the feed's own change applies it).
 */
export function ApiTenantJsonFeed() {
  // Published when a route uses it: an unused component would be a lint warning.
  responseSchema('JsonFeedItem', feedItemSchema);
  responseSchema('JsonFeed', jsonFeedSchema, 'JSON Feed 1.1 of the notices sent to this tenant');
  return applyDecorators(
    feedRoute(),
    ApiZodQuery(feedQuery, { cursor: 'From next_url: the page after it' }),
    ApiZodResponse(200, jsonFeedSchema, {
      contentType: 'application/feed+json',
      description: 'The feed',
      headers: conditional,
    }),
  );
}

/** What GET /v1/tenants/{id}/feed.atom answers. */
export function ApiTenantAtomFeed() {
  return applyDecorators(
    feedRoute(),
    ApiRawResponse(200, {
      contentType: 'application/atom+xml',
      description: 'The same feed as Atom (RFC 4287), the newest 50 notices',
      headers: conditional,
    }),
  );
}
