import { Injectable } from '@nestjs/common';
import { Feed } from 'feed';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';

export interface FeedPostView {
  id: string;
  noticeId: string;
  incidentId: string;
  title: string;
  contentHtml: string;
  contentText: string;
  locale: string;
  publishedAt: Date;
  kind: string;
  externalId: string;
}

export interface RenderedFeed {
  body: string;
  contentType: string;
  etag: string;
}

const PAGE = 50;

/** A tenant's private dashboard feed: the notices it was sent, newest first. */
@Injectable()
export class FeedService {
  constructor(private readonly dataSource: DataSource) {}

  async posts(
    tenantId: string,
    before?: { publishedAt: string; id: string },
  ): Promise<FeedPostView[]> {
    const params: unknown[] = [tenantId];
    let where = 'p.tenant_id = $1';
    if (before) {
      params.push(before.publishedAt, before.id);
      where += ` AND (p.published_at, p.id) < ($2::timestamptz, $3::uuid)`;
    }
    params.push(PAGE + 1);
    return this.dataSource.query(
      `SELECT p.id, p.notice_id AS "noticeId", p.incident_id AS "incidentId", p.title, p.content_html AS "contentHtml",
              p.content_text AS "contentText", p.locale, p.published_at AS "publishedAt", n.kind, i.external_id AS "externalId"
       FROM feed_posts p JOIN notices n ON n.id = p.notice_id JOIN incidents i ON i.id = p.incident_id
       WHERE ${where} ORDER BY p.published_at DESC, p.id DESC LIMIT $${params.length}`,
      params,
    );
  }

  jsonFeed(
    tenant: { id: string; name: string },
    posts: FeedPostView[],
    urls: { feed: string; next: string | null; home: string },
  ): RenderedFeed {
    const feed = {
      version: 'https://jsonfeed.org/version/1.1',
      title: `Security notices for ${tenant.name}`,
      home_page_url: urls.home,
      feed_url: urls.feed,
      ...(urls.next ? { next_url: urls.next } : {}),
      description: 'Security incident notices sent to this tenant. Private to the tenant.',
      language: posts[0]?.locale,
      items: posts.map((p) => ({
        id: `urn:uuid:${p.id}`,
        title: p.title,
        content_html: p.contentHtml,
        content_text: p.contentText,
        date_published: p.publishedAt.toISOString(),
        language: p.locale,
        tags: [p.kind, p.externalId],
        _herald: {
          noticeId: p.noticeId,
          incidentId: p.incidentId,
          kind: p.kind,
          externalId: p.externalId,
        },
      })),
    };
    const body = JSON.stringify(feed);
    return { body, contentType: 'application/feed+json; charset=utf-8', etag: etag(body) };
  }

  atom(
    tenant: { id: string; name: string },
    posts: FeedPostView[],
    urls: { feed: string; home: string },
  ): RenderedFeed {
    const updated = posts[0]?.publishedAt ?? new Date(0);
    const feed = new Feed({
      id: `urn:herald:tenant:${tenant.id}`,
      title: `Security notices for ${tenant.name}`,
      description: 'Security incident notices sent to this tenant. Private to the tenant.',
      link: urls.home,
      feedLinks: { atom: urls.feed },
      updated,
      copyright: '',
      generator: 'Herald',
    });
    for (const p of posts) {
      feed.addItem({
        id: `urn:uuid:${p.id}`,
        title: p.title,
        link: `${urls.home}#${p.noticeId}`,
        date: p.publishedAt,
        published: p.publishedAt,
        description: p.contentText.slice(0, 500),
        content: p.contentHtml,
        category: [{ name: p.kind }],
      });
    }
    const body = feed.atom1();
    return { body, contentType: 'application/atom+xml; charset=utf-8', etag: etag(body) };
  }
}

function etag(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}
