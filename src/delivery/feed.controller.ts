import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import {
  canActForTenant,
  CurrentPrincipal,
  type Principal,
  Roles,
} from '../common/auth/principal.js';
import { forbidden } from '../common/errors.js';
import { ApiAuth } from '../common/openapi.js';
import { decodeCursor, encodeCursor, parseQuery } from '../common/pagination.js';
import { isoTimestamp, parseOrThrow } from '../common/validation.js';
import { TENANT_ID } from '../tenants/dto/tenant.dto.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { ApiTenantAtomFeed, ApiTenantJsonFeed } from './dto/tenant-feed-response.dto.js';
import { FEED_PAGE, FeedService, RenderedFeed } from './feed.service.js';

const feedQuery = z.strictObject({ cursor: z.string().optional() });
const cursorShape = z.object({ p: isoTimestamp(), i: z.uuid() });

@ApiTags('tenant feed')
@Controller('v1/tenants/:id')
export class FeedController {
  constructor(
    private readonly feeds: FeedService,
    private readonly tenants: TenantsService,
  ) {}

  @Get('feed')
  @Roles('tenant')
  @ApiAuth(['tenant'])
  @ApiTenantJsonFeed()
  @ApiOperation({
    summary:
      "The tenant's sent notices as JSON Feed 1.1, newest first (its own key, or admin); ETag and If-None-Match",
  })
  async json(
    @Param('id') id: string,
    @Query() query: unknown,
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const tenantId = this.authorize(id, principal);
    const q = parseQuery(feedQuery, query);
    const cursor = decodeCursor(q.cursor, cursorShape);
    const tenant = await this.tenants.get(tenantId);
    const rows = await this.feeds.posts(
      tenantId,
      cursor ? { publishedAt: cursor.p, id: cursor.i } : undefined,
    );
    const more = rows.length > FEED_PAGE;
    const posts = more ? rows.slice(0, FEED_PAGE) : rows;
    const last = posts[posts.length - 1];
    const next =
      more && last ? encodeCursor({ p: last.publishedAt.toISOString(), i: last.id }) : null;
    this.send(req, res, this.feeds.jsonFeed(tenant, posts, next));
  }

  @Get('feed.atom')
  @Roles('tenant')
  @ApiAuth(['tenant'])
  @ApiTenantAtomFeed()
  @ApiOperation({ summary: `The same feed as Atom (RFC 4287; the newest ${FEED_PAGE} notices)` })
  async atom(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const tenantId = this.authorize(id, principal);
    const tenant = await this.tenants.get(tenantId);
    const posts = (await this.feeds.posts(tenantId)).slice(0, FEED_PAGE);
    this.send(req, res, this.feeds.atom(tenant, posts));
  }

  private authorize(id: string, principal: Principal): string {
    const tenantId = parseOrThrow(TENANT_ID, id, ['id']);
    if (!canActForTenant(principal, tenantId))
      throw forbidden("a tenant key reads only its own tenant's feed");
    return tenantId;
  }

  private send(req: Request, res: Response, feed: RenderedFeed): void {
    res.setHeader('ETag', feed.etag);
    res.setHeader('Cache-Control', 'private, no-cache');
    res.setHeader('Vary', 'Authorization');
    const match = req.get('if-none-match');
    if (match && match.split(',').some((t) => t.trim().replace(/^W\//, '') === feed.etag)) {
      res.status(304).end();
      return;
    }
    res.status(200).type(feed.contentType).send(feed.body);
  }
}
