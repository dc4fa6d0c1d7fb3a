import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { rowChunks, rowsOf } from '../database/values-rows.js';
import { NOTICE_ROLES } from '../tenants/dto/tenant.dto.js';
import {
  DELIVERY_STATUSES,
  type DeliveryChannel,
  type DeliveryStatus,
} from './domain/delivery-status.js';
import { NoticeFanoutEntity } from './entities/notice-fanout.entity.js';
import { tenantNotifiedSql } from './tenant-notified.sql.js';
import type { PostBody } from '../notices/domain/notice-renderer.js';

const HOUR_MS = 3_600_000;

/** A delivery claimed for sending, with what rendering it needs (null: the tenant is gone). */
export interface ClaimedDelivery {
  id: string;
  noticeId: string;
  incidentId: string;
  tenantId: string;
  channel: DeliveryChannel;
  recipient: string;
  attempts: number;
  queuedAt: Date;
  noticeDueAt: Date;
  locale: string | null;
  tenant: TenantRenderRow | null;
}

export interface TenantRenderRow {
  name: string;
  locale: string;
  timeZone: string;
  obligations: Array<{ regulationId: string; dueAt: string | null }>;
  rulesVersion: string;
}

/** Where a fan-out stands: the last (notice_due_at, tenant_id) it created deliveries for. */
export interface FanoutKey {
  dueAt: string;
  tenantId: string;
}

/** An affected tenant of a fan-out page, in deadline order. */
export interface FanoutTenant {
  tenantId: string;
  /** Its place in the fan-out's order: its notice deadline as stored (microseconds), its id. */
  key: FanoutKey;
  /** What rendering needs; null: the tenant is no longer in the directory. */
  tenant: TenantRenderRow | null;
}

export interface IncidentBacklogRow {
  incidentId: string;
  unsentTenantsDueWithinHour: number;
}

export interface SentOutcome {
  id: string;
  sentAt: Date;
  messageId: string | null;
  contentSha256: string;
}
export interface RetryOutcome {
  id: string;
  error: string;
  nextAttemptAt: Date;
  /** The attempt that failed: a later claim of the same delivery is not overwritten. */
  attempts: number;
}
export interface FailedOutcome {
  id: string;
  error: string;
  failedAt: Date;
}
export interface BouncedOutcome {
  id: string;
  error: string;
  bouncedAt: Date;
}
export interface BounceCandidate {
  id: string;
  noticeId: string;
  incidentId: string;
  tenantId: string;
  recipient: string;
  status: DeliveryStatus;
  bouncedAt: Date | null;
}
/**
 * A post's content: its whole HTML and text, or a body shared with the other tenants of its
 * set of render facts and what goes between the body's parts for this tenant.
 */
export type FeedPostContent = { html: string; text: string } | PostBody;
/** A shared body's key in a process's set of bodies known to be stored. */
export const feedPostBodyKey = (noticeId: string, sha256: string): string =>
  `${noticeId}:${sha256}`;

export interface FeedPostRow {
  tenantId: string;
  noticeId: string;
  incidentId: string;
  deliveryId: string;
  title: string;
  content: FeedPostContent;
  locale: string;
  contentSha256: string;
  publishedAt: Date;
}

export interface DeliveryFilter {
  incidentId?: string;
  tenantId?: string;
  noticeId?: string;
  channel?: DeliveryChannel;
  status?: DeliveryStatus;
  from?: Date;
  to?: Date;
}

export interface DeliveryRow {
  id: string;
  noticeId: string;
  incidentId: string;
  tenantId: string;
  channel: DeliveryChannel;
  recipient: string;
  status: DeliveryStatus;
  attempts: number;
  queuedAt: Date;
  sentAt: Date | null;
  failedAt: Date | null;
  nextAttemptAt: Date | null;
  lastError: string | null;
  messageId: string | null;
  contentSha256: string | null;
  noticeDueAt: Date;
  metDeadline: boolean | null;
  bouncedAt: Date | null;
  /** queued_at with its microseconds, for keyset cursors (a JS Date keeps only milliseconds). */
  queuedAtKey: string;
}

const DELIVERY_COLUMNS = `id, notice_id AS "noticeId", incident_id AS "incidentId", tenant_id AS "tenantId", channel, recipient, status,
  attempts, queued_at AS "queuedAt", sent_at AS "sentAt", failed_at AS "failedAt", next_attempt_at AS "nextAttemptAt",
  last_error AS "lastError", message_id AS "messageId", content_sha256 AS "contentSha256", notice_due_at AS "noticeDueAt",
  met_deadline AS "metDeadline", bounced_at AS "bouncedAt", to_char(queued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "queuedAtKey"`;

// Timestamps written or compared here come from the caller's Clock as parameters: a shifted
// process clock (faketime, a test's ManualClock) shifts the whole of delivery with it.
@Injectable()
export class DeliveryRepository {
  constructor(private readonly dataSource: DataSource) {}

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  async startFanout(
    noticeId: string,
    incidentId: string,
    scopeGeneration: number,
    now: Date,
  ): Promise<NoticeFanoutEntity> {
    // A new scope generation starts over from the first tenant (existing deliveries are kept).
    await this.dataSource.query(
      `INSERT INTO notice_fanouts (notice_id, incident_id, scope_generation, started_at, progressed_at) VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (notice_id) DO UPDATE SET scope_generation = EXCLUDED.scope_generation, cursor = '', pages = 0, completed_at = NULL, started_at = $4, progressed_at = $4
       WHERE notice_fanouts.scope_generation < EXCLUDED.scope_generation`,
      [noticeId, incidentId, scopeGeneration, now],
    );
    return this.dataSource.manager.findOneByOrFail(NoticeFanoutEntity, { noticeId });
  }

  async saveFanoutProgress(
    manager: EntityManager,
    noticeId: string,
    progress: { cursor: string; added: number; completed: boolean; now: Date },
  ): Promise<void> {
    await manager.query(
      `UPDATE notice_fanouts SET cursor = $2, pages = pages + 1, deliveries = deliveries + $3, progressed_at = $5,
         completed_at = CASE WHEN $4 THEN $5::timestamptz ELSE NULL END
       WHERE notice_id = $1`,
      [noticeId, progress.cursor, progress.added, progress.completed, progress.now],
    );
  }

  async fanoutCompleted(
    noticeId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<boolean> {
    const rows: Array<{ done: boolean }> = await manager.query(
      `SELECT completed_at IS NOT NULL AS done FROM notice_fanouts WHERE notice_id = $1`,
      [noticeId],
    );
    return rows[0]?.done ?? false;
  }

  /**
   * The next `limit` affected tenants after `after`, earliest notice deadline first (then tenant
   * id), with what rendering their dashboard post needs (null: the tenant is gone from the
   * directory; it gets no deliveries). Walks idx_incident_tenants_due_tenant: the row
   * comparison is an index condition, and only the page's tenants are joined to the directory.
   */
  async fanoutPage(
    manager: EntityManager,
    page: { incidentId: string; after: FanoutKey | null; limit: number },
  ): Promise<FanoutTenant[]> {
    const rows: Array<{
      tenantId: string;
      dueKey: string;
      name: string | null;
      tenantLocale: string | null;
      timeZone: string | null;
      obligations: TenantRenderRow['obligations'];
      rulesVersion: string;
    }> = await manager.query(
      // herald_fanout_page (migration 1796800000000): the ordered walk of
      // idx_incident_tenants_due_tenant from after the last page's key, whatever the statistics say.
      `SELECT * FROM herald_fanout_page($1, $2, $3, $4)`,
      [page.incidentId, page.limit, page.after?.dueAt ?? null, page.after?.tenantId ?? null],
    );
    return rows.map((r) => ({
      tenantId: r.tenantId,
      key: { dueAt: r.dueKey, tenantId: r.tenantId },
      tenant:
        r.name !== null && r.tenantLocale !== null && r.timeZone !== null
          ? {
              name: r.name,
              locale: r.tenantLocale,
              timeZone: r.timeZone,
              obligations: r.obligations,
              rulesVersion: r.rulesVersion,
            }
          : null,
    }));
  }

  /**
   * Creates the delivery records of a page of tenants (those still in the directory), in one statement:
   * one email per distinct address among the tenant's notice contacts (primary, security,
   * privacy), one dashboard post per tenant, one webhook call per subscribed endpoint (recipient:
   * the endpoint id). The dashboard post of a tenant in `posts` (rendered, and written in the same
   * transaction) is created sent, at its first attempt, with its content hash; every other record
   * queued. Existing records are kept (the unique constraint makes this safe to repeat). Returns
   * how many it created, and the dashboard records it created sent.
   */
  async insertPageDeliveries(
    manager: EntityManager,
    page: {
      noticeId: string;
      incidentId: string;
      /** Their deadlines as the page read them (`key.dueAt`: with microseconds, as stored). */
      tenants: ReadonlyArray<Pick<FanoutTenant, 'tenantId' | 'key'>>;
      /** Tenant id → the post written for it. */
      posts: ReadonlyMap<string, { sha256: string }>;
      now: Date;
      /** The webhook event the notice goes out as (notice.sent, notice.updated). */
      webhookEvent: string;
    },
  ): Promise<{ created: number; published: Array<{ id: string; tenantId: string }> }> {
    if (!page.tenants.length) return { created: 0, published: [] };
    const rows: Array<{ created: number; id: string | null; tenantId: string | null }> =
      await manager.query(
        `WITH created AS (
           INSERT INTO deliveries (notice_id, incident_id, tenant_id, channel, recipient, status, attempts, queued_at,
                                   notice_due_at, locale, sent_at, content_sha256, met_deadline)
           SELECT $1, $2, p.tenant_id, r.channel, r.recipient, r.status, r.attempts, $5, p.notice_due_at, r.locale,
                  r.sent_at, r.sha, r.met_deadline
           FROM unnest($3::text[], $4::timestamptz[], $8::text[]) AS p(tenant_id, notice_due_at, post_sha)
           JOIN tenants t ON t.id = p.tenant_id
           CROSS JOIN LATERAL (
             SELECT 'email'::text AS channel, e.email AS recipient, e.locale, 'queued'::text AS status, 0 AS attempts,
                    NULL::timestamptz AS sent_at, NULL::text AS sha, NULL::boolean AS met_deadline
             FROM (SELECT DISTINCT ON (lower(c->>'email')) lower(c->>'email') AS email, c->>'locale' AS locale, ord
                   FROM jsonb_array_elements(t.contacts) WITH ORDINALITY AS x(c, ord)
                   WHERE c->>'role' = ANY($6::text[])
                   ORDER BY lower(c->>'email'), ord) e
             UNION ALL
             SELECT 'dashboard', 'dashboard', NULL, CASE WHEN p.post_sha IS NULL THEN 'queued' ELSE 'sent' END,
                    (p.post_sha IS NOT NULL)::int, CASE WHEN p.post_sha IS NOT NULL THEN $5::timestamptz END,
                    p.post_sha, CASE WHEN p.post_sha IS NOT NULL THEN $5::timestamptz <= p.notice_due_at END
             UNION ALL
             -- One call per active endpoint of the tenant that takes this notice's event.
             SELECT 'webhook', w.id::text, NULL, 'queued', 0, NULL, NULL, NULL FROM webhook_endpoints w
             WHERE w.tenant_id = t.id AND w.deleted_at IS NULL AND w.disabled_at IS NULL AND $7::text = ANY(w.events)
           ) r
           ON CONFLICT ON CONSTRAINT uq_deliveries_recipient DO NOTHING
           RETURNING id, tenant_id, channel, status
         )
         SELECT n.created, c.id, c.tenant_id AS "tenantId"
         FROM (SELECT count(*)::int AS created FROM created) n
         LEFT JOIN created c ON c.channel = 'dashboard' AND c.status = 'sent'`,
        [
          page.noticeId,
          page.incidentId,
          page.tenants.map((t) => t.tenantId),
          page.tenants.map((t) => t.key.dueAt),
          page.now,
          [...NOTICE_ROLES],
          page.webhookEvent,
          page.tenants.map((t) => page.posts.get(t.tenantId)?.sha256 ?? null),
        ],
      );
    return {
      created: rows[0]?.created ?? 0,
      published: rows.flatMap((r) =>
        r.id !== null && r.tenantId !== null ? [{ id: r.id, tenantId: r.tenantId }] : [],
      ),
    };
  }

  /**
   * Claims the `limit` queued deliveries with the earliest notice deadline (then tenant id),
   * across every notice and incident, that no one holds and whose retry is due; counts the
   * attempt and leases them until `now + leaseMs`. SKIP LOCKED: concurrent claimers take the
   * next ones instead of waiting. Returns them in deadline order with their render facts.
   */
  async claimNext(
    limit: number,
    leaseMs: number,
    now: Date,
    // Webhook calls have their own sender (webhook-sender.service.ts), which walks its own partial
    // index (idx_deliveries_webhook_claim).
    channels: 'mail-and-feed' | 'webhook' = 'mail-and-feed',
    // Mail and feed only: walk the claim index from after this delivery instead of from its
    // start, past the entries of deliveries already sent (see DeliverySender).
    after?: Pick<ClaimedDelivery, 'noticeDueAt' | 'tenantId' | 'id'>,
  ): Promise<ClaimedDelivery[]> {
    // herald_claim_deliveries (migration 1796400000000): the ordered walk of the claim index,
    // FOR UPDATE SKIP LOCKED, whatever the statistics say; the webhook channel walks its own.
    const rows: Array<
      Omit<ClaimedDelivery, 'tenant'> & { name: string | null } & Partial<TenantRenderRow>
    > = await this.dataSource.query(
      `SELECT * FROM herald_claim_deliveries($1, $2, $3, $4, $5, $6, $7)`,
      [
        now,
        new Date(now.getTime() + leaseMs),
        limit,
        channels === 'webhook',
        after?.noticeDueAt ?? null,
        after?.tenantId ?? null,
        after?.id ?? null,
      ],
    );
    return rows.map((r) => {
      const raw = r as typeof r & { tenantLocale: string };
      return {
        id: r.id,
        noticeId: r.noticeId,
        incidentId: r.incidentId,
        tenantId: r.tenantId,
        channel: r.channel,
        recipient: r.recipient,
        attempts: r.attempts,
        queuedAt: r.queuedAt,
        noticeDueAt: r.noticeDueAt,
        locale: r.locale,
        tenant:
          r.name !== null && r.obligations && r.rulesVersion && r.timeZone
            ? {
                name: r.name,
                locale: raw.tenantLocale,
                timeZone: r.timeZone,
                obligations: r.obligations,
                rulesVersion: r.rulesVersion,
              }
            : null,
      };
    });
  }

  /** Extends the lease of deliveries still queued; returns the ids it extended. */
  async renewLeases(ids: string[], leaseMs: number, now: Date): Promise<string[]> {
    if (!ids.length) return [];
    const [rows]: [Array<{ id: string }>, number] = await this.dataSource.query(
      `UPDATE deliveries SET lease_expires_at = $2 WHERE id = ANY($1::uuid[]) AND status = 'queued' RETURNING id`,
      [ids, new Date(now.getTime() + leaseMs)],
    );
    return rows.map((r) => r.id);
  }

  /** Gives back claimed deliveries that were never handed to the relay (shutdown): the attempt did not happen. */
  async releaseLeases(ids: string[]): Promise<void> {
    if (!ids.length) return;
    await this.dataSource.query(
      `UPDATE deliveries SET lease_expires_at = NULL, attempts = greatest(attempts - 1, 0)
       WHERE id = ANY($1::uuid[]) AND status = 'queued' AND lease_expires_at IS NOT NULL`,
      [ids],
    );
  }

  /** Marks queued deliveries sent; returns the ids it changed (a delivery already recorded is left alone). */
  async markSent(manager: EntityManager, outcomes: SentOutcome[]): Promise<Set<string>> {
    if (!outcomes.length) return new Set();
    // herald_mark_sent (migration 1796900000000): the same UPDATE, with a plan kept per connection.
    const rows: Array<{ deliveryId: string }> = await manager.query(
      `SELECT "deliveryId" FROM herald_mark_sent($1, $2, $3, $4)`,
      [
        outcomes.map((o) => o.id),
        outcomes.map((o) => o.sentAt),
        outcomes.map((o) => o.messageId),
        outcomes.map((o) => o.contentSha256),
      ],
    );
    return new Set(rows.map((r) => r.deliveryId));
  }

  /** Schedules the next attempt of queued deliveries; returns the ids it changed. */
  async markRetry(manager: EntityManager, outcomes: RetryOutcome[]): Promise<Set<string>> {
    if (!outcomes.length) return new Set();
    const [rows]: [Array<{ id: string }>, number] = await manager.query(
      `UPDATE deliveries d SET last_error = o.error, next_attempt_at = o.next_at, lease_expires_at = NULL
       FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::integer[]) AS o(id, error, next_at, attempts)
       WHERE d.id = o.id AND d.status = 'queued' AND d.attempts = o.attempts
       RETURNING d.id`,
      [
        outcomes.map((o) => o.id),
        outcomes.map((o) => o.error),
        outcomes.map((o) => o.nextAttemptAt),
        outcomes.map((o) => o.attempts),
      ],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** Marks queued deliveries failed for good; returns the ids it changed. */
  async markFailed(manager: EntityManager, outcomes: FailedOutcome[]): Promise<Set<string>> {
    if (!outcomes.length) return new Set();
    const [rows]: [Array<{ id: string }>, number] = await manager.query(
      `UPDATE deliveries d SET status = 'failed', failed_at = o.failed_at, last_error = o.error, lease_expires_at = NULL, next_attempt_at = NULL
       FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS o(id, error, failed_at)
       WHERE d.id = o.id AND d.status = 'queued'
       RETURNING d.id`,
      [outcomes.map((o) => o.id), outcomes.map((o) => o.error), outcomes.map((o) => o.failedAt)],
    );
    return new Set(rows.map((r) => r.id));
  }

  /**
   * One row of parameters per post (`rowsOf`): a post's HTML and text pass through untouched.
   * The shared bodies the posts use are written first, but for those in `stored` (bodies this
   * process saw committed: a body already there is left as it is). Returns the keys
   * (`feedPostBodyKey`) of the bodies the posts use.
   */
  async insertFeedPosts(
    manager: EntityManager,
    posts: FeedPostRow[],
    stored: ReadonlySet<string>,
  ): Promise<string[]> {
    const bodies = new Map<string, unknown[]>();
    for (const p of posts) {
      if (!('body' in p.content)) continue;
      const { sha256, htmlParts, textParts } = p.content.body;
      const key = feedPostBodyKey(p.noticeId, sha256);
      if (!bodies.has(key)) bodies.set(key, [p.noticeId, sha256, htmlParts, textParts]);
    }
    const missing = [...bodies].filter(([key]) => !stored.has(key)).map(([, row]) => row);
    // As array elements, the parts are escaped by pg and parsed by Postgres (array_in): once
    // per body and process, not per post.
    for (const chunk of rowChunks(missing, 4)) {
      const values = rowsOf(chunk);
      await manager.query(
        `INSERT INTO feed_post_bodies (notice_id, sha256, html_parts, text_parts) VALUES ${values.sql}
         ON CONFLICT ON CONSTRAINT "PK_feed_post_bodies" DO NOTHING`,
        values.params,
      );
    }
    for (const chunk of rowChunks(posts, 13)) await this.insertFeedPostRows(manager, chunk);
    return [...bodies.keys()];
  }

  private async insertFeedPostRows(manager: EntityManager, posts: FeedPostRow[]): Promise<void> {
    const values = rowsOf(
      posts.map((p) => {
        const c = p.content;
        const whole = 'html' in c;
        return [
          p.tenantId,
          p.noticeId,
          p.incidentId,
          p.deliveryId,
          p.title,
          whole ? c.html : null,
          whole ? c.text : null,
          whole ? null : c.body.sha256,
          whole ? null : c.htmlFill,
          whole ? null : c.textFill,
          p.locale,
          p.contentSha256,
          p.publishedAt,
        ];
      }),
    );
    await manager.query(
      `INSERT INTO feed_posts (tenant_id, notice_id, incident_id, delivery_id, title, content_html, content_text,
                               body_sha256, html_fill, text_fill, locale, content_sha256, published_at)
       VALUES ${values.sql}
       ON CONFLICT ON CONSTRAINT uq_feed_posts_notice_tenant DO NOTHING`,
      values.params,
    );
  }

  /** Whether any notice email is queued (a few index entries of idx_deliveries_claim at most). */
  async emailsQueued(): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM deliveries WHERE status = 'queued' AND channel = 'email' LIMIT 1`,
    );
    return rows.length > 0;
  }

  async hasPending(manager: EntityManager, noticeId: string): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM deliveries WHERE notice_id = $1 AND status = 'queued' LIMIT 1`,
      [noticeId],
    );
    return rows.length > 0;
  }

  /** Whether the incident has an approved notice or a queued delivery left (it is not delivered yet). */
  async incidentHasOpenWork(manager: EntityManager, incidentId: string): Promise<boolean> {
    const open: unknown[] = await manager.query(
      `SELECT 1 FROM notices WHERE incident_id = $1 AND status = 'approved'
       UNION ALL SELECT 1 FROM deliveries WHERE incident_id = $1 AND status = 'queued' LIMIT 1`,
      [incidentId],
    );
    return open.length > 0;
  }

  /**
   * Per incident not yet delivered (awaiting review or delivering): how many affected tenants have not been told yet
   * (tenant-notified.sql.ts) while their notice deadline is at most an hour after `now` (overdue included).
   * Reads only the near-deadline tenants (idx_incident_tenants_due), whatever the incident's size.
   */
  async backlog(now: Date, incidentId?: string): Promise<IncidentBacklogRow[]> {
    return this.dataSource.query(
      `SELECT i.id AS "incidentId",
         (SELECT count(*) FROM incident_tenants it WHERE it.incident_id = i.id AND it.notice_due_at <= $1
            AND NOT ${tenantNotifiedSql('i.id', 'it.tenant_id')})::int
           AS "unsentTenantsDueWithinHour"
       FROM incidents i
       WHERE i.status <> 'delivered' AND ($2::uuid IS NULL OR i.id = $2)
       ORDER BY i.id`,
      [new Date(now.getTime() + HOUR_MS), incidentId ?? null],
    );
  }

  /**
   * Per incident: the earliest notice deadline among its affected tenants that have not
   * been told yet (tenant-notified.sql.ts; null when every tenant with a deadline has been told).
   * Walks idx_incident_tenants_due in deadline order and stops at the first unreached tenant.
   */
  async earliestUnsentDueAt(incidentIds: readonly string[]): Promise<Map<string, Date | null>> {
    if (incidentIds.length === 0) return new Map();
    const rows: Array<{ incidentId: string; dueAt: Date | null }> = await this.dataSource.query(
      `SELECT i.id AS "incidentId",
         (SELECT it.notice_due_at FROM incident_tenants it
           WHERE it.incident_id = i.id AND it.notice_due_at IS NOT NULL
             AND NOT ${tenantNotifiedSql('i.id', 'it.tenant_id')}
           ORDER BY it.notice_due_at LIMIT 1) AS "dueAt"
       FROM unnest($1::uuid[]) AS i(id)`,
      [incidentIds],
    );
    return new Map(rows.map((r) => [r.incidentId, r.dueAt]));
  }

  /**
   * Notices whose fan-out completed before `graceMs` ago with nothing left queued, still not
   * marked sent: the process that recorded their last outcomes died before its completion check.
   */
  async uncompletedNotices(
    graceMs: number,
    now: Date,
  ): Promise<Array<{ noticeId: string; incidentId: string }>> {
    return this.dataSource.query(
      `SELECT f.notice_id AS "noticeId", f.incident_id AS "incidentId" FROM notice_fanouts f
       JOIN notices n ON n.id = f.notice_id
       WHERE n.status = 'approved' AND f.completed_at < $1
         AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.notice_id = f.notice_id AND d.status = 'queued')`,
      [new Date(now.getTime() - graceMs)],
    );
  }

  /** Approved notices whose fan-out never started, or stopped moving, `graceMs` before `now`. */
  async stalledFanouts(
    graceMs: number,
    now: Date,
  ): Promise<Array<{ noticeId: string; pages: number }>> {
    return this.dataSource.query(
      `SELECT n.id AS "noticeId", coalesce(f.pages, -1) AS pages FROM notices n
       LEFT JOIN notice_fanouts f ON f.notice_id = n.id
       WHERE n.status IN ('approved', 'sent') AND n.approved_at < $1
         AND (f.notice_id IS NULL OR (f.completed_at IS NULL AND f.progressed_at < $1))`,
      [new Date(now.getTime() - graceMs)],
    );
  }

  async find(
    filter: DeliveryFilter,
    limit: number,
    after?: { queuedAt: string; id: string },
  ): Promise<DeliveryRow[]> {
    const { where, params } = this.where(filter);
    if (after) {
      params.push(after.queuedAt, after.id);
      where.push(`(queued_at, id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(limit);
    return this.dataSource.query(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY queued_at, id LIMIT $${params.length}`,
      params,
    );
  }

  where(filter: DeliveryFilter): { where: string[]; params: unknown[] } {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (column: string, op: string, value: unknown) => {
      params.push(value);
      where.push(`${column} ${op} $${params.length}`);
    };
    if (filter.incidentId) add('incident_id', '=', filter.incidentId);
    if (filter.tenantId) add('tenant_id', '=', filter.tenantId);
    if (filter.noticeId) add('notice_id', '=', filter.noticeId);
    if (filter.channel) add('channel', '=', filter.channel);
    if (filter.status) add('status', '=', filter.status);
    if (filter.from) add('queued_at', '>=', filter.from);
    if (filter.to) add('queued_at', '<', filter.to);
    return { where, params };
  }

  /**
   * The email deliveries of these notices to this address (case-insensitive: a relay may change
   * the case of Final-Recipient), locked for the caller's transaction.
   */
  emailsTo(
    manager: EntityManager,
    noticeIds: string[],
    recipient: string,
  ): Promise<BounceCandidate[]> {
    return manager.query(
      `SELECT id, notice_id AS "noticeId", incident_id AS "incidentId", tenant_id AS "tenantId", recipient, status,
         bounced_at AS "bouncedAt"
       FROM deliveries
       WHERE notice_id = ANY($1::uuid[]) AND channel = 'email' AND lower(recipient) = lower($2)
       ORDER BY id
       FOR UPDATE`,
      [noticeIds, recipient],
    );
  }

  /**
   * Per tenant, the addresses whose latest notice email (the last one sent or bounced) bounced.
   * One statement for the page of tenants, on idx_deliveries_tenant.
   */
  async bouncedAddresses(
    tenantIds: readonly string[],
  ): Promise<
    Array<{ tenantId: string; email: string; bouncedAt: Date; diagnostic: string | null }>
  > {
    return this.dataSource.query(
      `SELECT "tenantId", email, "bouncedAt", diagnostic FROM (
         SELECT DISTINCT ON (tenant_id, lower(recipient)) tenant_id AS "tenantId",
           lower(recipient) AS email, status, bounced_at AS "bouncedAt", last_error AS diagnostic
         FROM deliveries
         WHERE tenant_id = ANY($1::text[]) AND channel = 'email' AND status IN ('sent', 'bounced')
         ORDER BY tenant_id, lower(recipient), coalesce(bounced_at, sent_at) DESC
       ) latest WHERE status = 'bounced'
       ORDER BY "tenantId", email`,
      [tenantIds],
    );
  }

  /** Marks sent deliveries bounced (no longer notice in time); returns the ids it changed. */
  async markBounced(manager: EntityManager, outcomes: BouncedOutcome[]): Promise<Set<string>> {
    if (!outcomes.length) return new Set();
    const [rows]: [Array<{ id: string }>, number] = await manager.query(
      `UPDATE deliveries d SET status = 'bounced', bounced_at = o.bounced_at, last_error = o.error, met_deadline = false
       FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS o(id, error, bounced_at)
       WHERE d.id = o.id AND d.status = 'sent'
       RETURNING d.id`,
      [outcomes.map((o) => o.id), outcomes.map((o) => o.error), outcomes.map((o) => o.bouncedAt)],
    );
    return new Set(rows.map((r) => r.id));
  }

  columns(): string {
    return DELIVERY_COLUMNS;
  }

  /** The deliveries of an incident, or of one notice, by status: every status present (0 when none). */
  async countsByStatus(
    scope: { incidentId: string } | { noticeId: string },
  ): Promise<Record<DeliveryStatus, number>> {
    const [column, id] =
      'incidentId' in scope ? ['incident_id', scope.incidentId] : ['notice_id', scope.noticeId];
    const rows: Array<{ status: DeliveryStatus; count: string }> = await this.dataSource.query(
      `SELECT status, count(*)::text AS count FROM deliveries WHERE ${column} = $1 GROUP BY status`,
      [id],
    );
    const out = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as Record<
      DeliveryStatus,
      number
    >;
    for (const r of rows) out[r.status] = Number(r.count);
    return out;
  }
}
