import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { atomDocument, type FeedPost, jsonFeedDocument, TenantFeed } from './domain/tenant-feed.js';

export interface RenderedFeed {
  body: string;
  contentType: string;
  etag: string;
}

/**
 * A post's HTML and text, whole or as its shared body's parts joined with what goes between
 * them for the post's tenant (feed_post_bodies, migration 1796500000000).
 */
const FEED_POST_CONTENT = `COALESCE(p.content_html, array_to_string(b.html_parts, p.html_fill)) AS "contentHtml",
              COALESCE(p.content_text, array_to_string(b.text_parts, p.text_fill)) AS "contentText"`;
const FEED_POST_BODY_JOIN = `LEFT JOIN feed_post_bodies b ON b.notice_id = p.notice_id AND b.sha256 = p.body_sha256`;

/** Posts per feed document. */
export const FEED_PAGE = 50;

/** A tenant's private dashboard feed: the notices it was sent, newest first. */
@Injectable()
export class FeedService {
  private readonly provider: TenantFeed['provider'];
  private readonly publicUrl: string;

  constructor(
    private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    this.provider = { name: config.get('PROVIDER_NAME'), contact: config.get('PROVIDER_CONTACT') };
    this.publicUrl = config.publicUrl;
  }

  /** Up to FEED_PAGE + 1 posts (one more tells whether there is a next page). */
  async posts(tenantId: string, before?: { publishedAt: string; id: string }): Promise<FeedPost[]> {
    const params: unknown[] = [tenantId];
    let where = 'p.tenant_id = $1';
    if (before) {
      params.push(before.publishedAt, before.id);
      where += ` AND (p.published_at, p.id) < ($2::timestamptz, $3::uuid)`;
    }
    params.push(FEED_PAGE + 1);
    return this.dataSource.query(
      `SELECT p.id, p.notice_id AS "noticeId", p.incident_id AS "incidentId", p.title,
              ${FEED_POST_CONTENT}, p.locale, p.published_at AS "publishedAt", n.kind, i.external_id AS "externalId"
       FROM feed_posts p ${FEED_POST_BODY_JOIN} JOIN notices n ON n.id = p.notice_id JOIN incidents i ON i.id = p.incident_id
       WHERE ${where} ORDER BY p.published_at DESC, p.id DESC LIMIT $${params.length}`,
      params,
    );
  }

  /**
   * The incident of a notice that was sent to this tenant (any channel; a bounced email was sent
   * too), or null when it never was: what acknowledging and the portal's genuineness check ask.
   */
  async sentTo(noticeId: string, tenantId: string): Promise<{ incidentId: string } | null> {
    const rows: Array<{ incidentId: string }> = await this.dataSource.query(
      `SELECT incident_id AS "incidentId" FROM deliveries
        WHERE notice_id = $1 AND tenant_id = $2 AND sent_at IS NOT NULL LIMIT 1`,
      [noticeId, tenantId],
    );
    return rows[0] ?? null;
  }

  /** The tenant's dashboard post of this notice, or null. */
  async postOf(
    tenantId: string,
    noticeId: string,
  ): Promise<{ title: string; publishedAt: Date } | null> {
    const rows: Array<{ title: string; publishedAt: Date }> = await this.dataSource.query(
      `SELECT title, published_at AS "publishedAt" FROM feed_posts WHERE tenant_id = $1 AND notice_id = $2`,
      [tenantId, noticeId],
    );
    return rows[0] ?? null;
  }

  /** The feed's absolute URLs, from PUBLIC_URL (never from the request's Host header). */
  urls(tenantId: string, nextCursor: string | null = null): TenantFeed['urls'] {
    const home = `${this.publicUrl}/v1/tenants/${encodeURIComponent(tenantId)}`;
    return {
      home,
      json: `${home}/feed`,
      atom: `${home}/feed.atom`,
      next: nextCursor === null ? null : `${home}/feed?cursor=${encodeURIComponent(nextCursor)}`,
    };
  }

  jsonFeed(
    tenant: { id: string; name: string },
    posts: FeedPost[],
    nextCursor: string | null,
  ): RenderedFeed {
    const body = JSON.stringify(
      jsonFeedDocument({
        tenant,
        provider: this.provider,
        posts,
        urls: this.urls(tenant.id, nextCursor),
      }),
    );
    return { body, contentType: 'application/feed+json; charset=utf-8', etag: etag(body) };
  }

  atom(tenant: { id: string; name: string }, posts: FeedPost[]): RenderedFeed {
    const body = atomDocument({
      tenant,
      provider: this.provider,
      posts,
      urls: this.urls(tenant.id),
    });
    return { body, contentType: 'application/atom+xml; charset=utf-8', etag: etag(body) };
  }
}

function etag(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}
