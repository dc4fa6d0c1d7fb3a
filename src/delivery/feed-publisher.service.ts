import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditEventInput } from '../audit/audit.service.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import type {
  NoticeRenderContext,
  TenantRenderFacts,
} from '../notices/notice-rendering.service.js';
import { NoticeRenderingService } from '../notices/notice-rendering.service.js';
import type { RenderedPost } from '../notices/domain/notice-renderer.js';
import { RegulationsService } from '../regulations/regulations.service.js';
import {
  ClaimedDelivery,
  DeliveryRepository,
  FanoutTenant,
  FeedPostRow,
  TenantRenderRow,
} from './delivery.repository.js';
import { sentEvent } from './delivery-audit-events.js';
import { NoticeContextCache } from './notice-context-cache.js';

/** A tenant's dashboard post, rendered, with its content hash. */
export interface PreparedPost {
  rendered: RenderedPost;
  sha256: string;
}

/** The delivery record a post is. */
export type PostDelivery = Pick<ClaimedDelivery, 'id' | 'tenantId' | 'noticeId' | 'incidentId'>;

/**
 * Writes dashboard posts. A fan-out page publishes its tenants' posts as it creates their records
 * (`prepare`, then `publish` in the page's transaction): a post needs no relay, so its record is
 * created sent instead of being queued, claimed and recorded later, which would write the row
 * twice more. A post that does not render there is left queued for the sender, which retries it
 * and records why (DeliverySender uses `prepare` and `row` too).
 */
@Injectable()
export class FeedPublisher {
  private readonly logger = new Logger(FeedPublisher.name);

  constructor(
    private readonly repository: DeliveryRepository,
    private readonly contexts: NoticeContextCache,
    private readonly rendering: NoticeRenderingService,
    private readonly regulations: RegulationsService,
    private readonly metrics: MetricsService,
  ) {}

  /** What rendering a tenant's notice needs, from its claimed or paged record. */
  async facts(
    tenantId: string,
    noticeDueAt: Date,
    tenant: TenantRenderRow,
  ): Promise<TenantRenderFacts> {
    return {
      tenant: { id: tenantId, name: tenant.name, locale: tenant.locale, timeZone: tenant.timeZone },
      noticeDueAt: noticeDueAt.toISOString(),
      obligations: await this.regulations.expand(tenant.rulesVersion, tenant.obligations),
    };
  }

  /** Renders a tenant's post (throws what rendering throws). */
  prepare(ctx: NoticeRenderContext, facts: TenantRenderFacts): PreparedPost {
    const end = this.metrics.sendDuration.startTimer({ channel: 'dashboard' });
    try {
      const rendered = this.rendering.post(ctx, facts);
      return { rendered, sha256: this.rendering.renderer.postSha256(rendered) };
    } finally {
      end();
    }
  }

  /** The feed_posts row of a prepared post. */
  row(d: PostDelivery, post: PreparedPost, publishedAt: Date): FeedPostRow {
    const { rendered } = post;
    return {
      deliveryId: d.id,
      tenantId: d.tenantId,
      noticeId: d.noticeId,
      incidentId: d.incidentId,
      title: rendered.title,
      // A body shared with the tenants of the same render facts and this tenant's name, or whole.
      content: this.rendering.renderer.postBody(rendered) ?? {
        html: rendered.html,
        text: rendered.text,
      },
      locale: rendered.locale,
      contentSha256: post.sha256,
      publishedAt,
    };
  }

  /**
   * The posts of a fan-out page's tenants still in the directory, by tenant id. A tenant whose
   * post does not render (nor its notice's context load) is left out: its record is queued and
   * the sender tries it.
   */
  async preparePage(
    noticeId: string,
    tenants: readonly FanoutTenant[],
  ): Promise<Map<string, PreparedPost>> {
    const posts = new Map<string, PreparedPost>();
    let ctx: NoticeRenderContext;
    try {
      ctx = await this.contexts.get(noticeId);
    } catch (err) {
      this.logger.warn({
        msg: 'dashboard posts left to the sender: the notice context did not load',
        noticeId,
        error: (err as Error).message,
      });
      return posts;
    }
    for (const t of tenants) {
      if (!t.tenant) continue;
      try {
        posts.set(
          t.tenantId,
          this.prepare(ctx, await this.facts(t.tenantId, new Date(t.key.dueAt), t.tenant)),
        );
      } catch (err) {
        this.logger.warn({
          msg: 'dashboard post left to the sender: it did not render',
          noticeId,
          tenantId: t.tenantId,
          error: (err as Error).message,
        });
      }
    }
    return posts;
  }

  /**
   * Writes the posts of the dashboard records a fan-out page created sent, in the page's
   * transaction; returns their delivery.sent events and the keys of the shared bodies written
   * (the caller adds them to `stored` once the transaction commits).
   */
  async publish(
    manager: EntityManager,
    page: {
      noticeId: string;
      incidentId: string;
      created: ReadonlyArray<{ id: string; tenantId: string }>;
      posts: ReadonlyMap<string, PreparedPost>;
      now: Date;
      stored: ReadonlySet<string>;
    },
  ): Promise<{ events: AuditEventInput[]; bodies: string[] }> {
    const rows: FeedPostRow[] = [];
    const events: AuditEventInput[] = [];
    for (const c of page.created) {
      const post = page.posts.get(c.tenantId)!;
      const d = {
        id: c.id,
        tenantId: c.tenantId,
        noticeId: page.noticeId,
        incidentId: page.incidentId,
      };
      rows.push(this.row(d, post, page.now));
      const record = { ...d, channel: 'dashboard' as const, recipient: 'dashboard', attempts: 1 };
      events.push(sentEvent(record, { messageId: null, contentSha256: post.sha256 }, null));
    }
    const bodies = await this.repository.insertFeedPosts(manager, rows, page.stored);
    return { events, bodies };
  }
}
