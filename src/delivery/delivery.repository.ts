import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { NOTICE_ROLES } from '../tenants/dto/tenant.dto.js';
import type { DeliveryChannel, DeliveryStatus } from './domain/delivery-status.js';
import { NoticeFanoutEntity } from './entities/notice-fanout.entity.js';

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
}

export interface TenantRenderRow {
  id: string;
  name: string;
  locale: string;
  timeZone: string;
  noticeDueAt: Date;
  obligations: Array<{ regulationId: string; dueAt: string | null }>;
  rulesVersion: string;
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
}
export interface FailedOutcome {
  id: string;
  error: string;
  failedAt: Date;
}
export interface FeedPostRow {
  tenantId: string;
  noticeId: string;
  incidentId: string;
  deliveryId: string;
  title: string;
  contentHtml: string;
  contentText: string;
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
  /** queued_at with its microseconds, for keyset cursors (a JS Date keeps only milliseconds). */
  queuedAtKey: string;
}

const DELIVERY_COLUMNS = `id, notice_id AS "noticeId", incident_id AS "incidentId", tenant_id AS "tenantId", channel, recipient, status,
  attempts, queued_at AS "queuedAt", sent_at AS "sentAt", failed_at AS "failedAt", next_attempt_at AS "nextAttemptAt",
  last_error AS "lastError", message_id AS "messageId", content_sha256 AS "contentSha256", notice_due_at AS "noticeDueAt",
  met_deadline AS "metDeadline", to_char(queued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "queuedAtKey"`;

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
  ): Promise<NoticeFanoutEntity> {
    // A new scope generation starts over from the first tenant (existing deliveries are kept).
    await this.dataSource.query(
      `INSERT INTO notice_fanouts (notice_id, incident_id, scope_generation) VALUES ($1, $2, $3)
       ON CONFLICT (notice_id) DO UPDATE SET scope_generation = EXCLUDED.scope_generation, cursor = '', pages = 0, completed_at = NULL, started_at = now(), progressed_at = now()
       WHERE notice_fanouts.scope_generation < EXCLUDED.scope_generation`,
      [noticeId, incidentId, scopeGeneration],
    );
    return this.dataSource.manager.findOneByOrFail(NoticeFanoutEntity, { noticeId });
  }

  async saveFanoutProgress(
    noticeId: string,
    cursor: string,
    added: number,
    completed: boolean,
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE notice_fanouts SET cursor = $2, pages = pages + 1, deliveries = deliveries + $3, progressed_at = now(), completed_at = CASE WHEN $4 THEN now() ELSE NULL END WHERE notice_id = $1`,
      [noticeId, cursor, added, completed],
    );
  }

  async touchFanout(noticeId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE notice_fanouts SET progressed_at = now() WHERE notice_id = $1`,
      [noticeId],
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

  /** The next page of affected tenant ids after `after`, in id order. */
  async tenantPage(incidentId: string, after: string, limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT tenant_id AS id FROM incident_tenants WHERE incident_id = $1 AND tenant_id > $2 ORDER BY tenant_id LIMIT $3`,
      [incidentId, after, limit],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Creates the page's delivery records in one statement: one email per distinct address among
   * the tenant's notice contacts (primary, security, privacy), one dashboard post per tenant.
   * Existing records are kept (the unique constraint makes this safe to repeat).
   */
  async insertDeliveriesForPage(
    manager: EntityManager,
    noticeId: string,
    incidentId: string,
    firstTenant: string,
    lastTenant: string,
  ): Promise<number> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO deliveries (notice_id, incident_id, tenant_id, channel, recipient, status, attempts, queued_at, notice_due_at, locale)
       SELECT $1, $2, it.tenant_id, r.channel, r.recipient, 'queued', 0, now(), it.notice_due_at, r.locale
       FROM incident_tenants it
       JOIN tenants t ON t.id = it.tenant_id
       CROSS JOIN LATERAL (
         SELECT 'email'::text AS channel, e.email AS recipient, e.locale
         FROM (SELECT DISTINCT ON (lower(c->>'email')) lower(c->>'email') AS email, c->>'locale' AS locale, ord
               FROM jsonb_array_elements(t.contacts) WITH ORDINALITY AS x(c, ord)
               WHERE c->>'role' = ANY($5::text[])
               ORDER BY lower(c->>'email'), ord) e
         UNION ALL
         SELECT 'dashboard', 'dashboard', NULL
       ) r
       WHERE it.incident_id = $2 AND it.tenant_id >= $3 AND it.tenant_id <= $4
       ON CONFLICT ON CONSTRAINT uq_deliveries_recipient DO NOTHING
       RETURNING 1`,
      [noticeId, incidentId, firstTenant, lastTenant, [...NOTICE_ROLES]],
    );
    return rows.length;
  }

  /** Queued, unclaimed deliveries of a page (what a fan-out must enqueue). */
  async pendingInRange(
    noticeId: string,
    firstTenant: string,
    lastTenant: string,
  ): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM deliveries WHERE notice_id = $1 AND tenant_id >= $2 AND tenant_id <= $3 AND status = 'queued'
         AND (lease_expires_at IS NULL OR lease_expires_at < now())
       ORDER BY tenant_id, channel, recipient`,
      [noticeId, firstTenant, lastTenant],
    );
    return rows.map((r) => r.id);
  }

  /** Claims queued deliveries for this worker until the lease runs out; counts the attempt. */
  async claim(ids: string[], leaseMs: number): Promise<ClaimedDelivery[]> {
    // TypeORM answers an UPDATE with [rows, rowCount].
    const [rows]: [ClaimedDelivery[], number] = await this.dataSource.query(
      `UPDATE deliveries SET attempts = attempts + 1, lease_expires_at = now() + ($2::integer * interval '1 millisecond'), next_attempt_at = NULL
       WHERE id = ANY($1::uuid[]) AND status = 'queued' AND (lease_expires_at IS NULL OR lease_expires_at < now())
         AND (next_attempt_at IS NULL OR next_attempt_at <= now() + interval '1 second')
       RETURNING id, notice_id AS "noticeId", incident_id AS "incidentId", tenant_id AS "tenantId", channel, recipient, attempts,
         queued_at AS "queuedAt", notice_due_at AS "noticeDueAt", locale`,
      [ids, leaseMs],
    );
    return rows;
  }

  /** Of `ids`, those still queued (claimed elsewhere, or waiting for a retry). */
  async stillQueued(
    ids: string[],
  ): Promise<Array<{ id: string; leaseExpiresAt: Date | null; nextAttemptAt: Date | null }>> {
    return this.dataSource.query(
      `SELECT id, lease_expires_at AS "leaseExpiresAt", next_attempt_at AS "nextAttemptAt" FROM deliveries WHERE id = ANY($1::uuid[]) AND status = 'queued'`,
      [ids],
    );
  }

  /** `tenantIds` distinct (the caller's batch). */
  async tenantsForRender(incidentId: string, tenantIds: string[]): Promise<TenantRenderRow[]> {
    // One unique-key lookup per id, driven by unnest. `it.tenant_id = ANY($2)` made the planner
    // guess ~55 rows per id for an incident of 1,000,000 tenants and start a parallel worker for
    // every batch: 20 ms instead of 0.5 ms (EXPLAIN ANALYZE on the 1,000,000-tenant bench).
    return this.dataSource.query(
      `SELECT t.id, t.name, t.locale, t.time_zone AS "timeZone", it.notice_due_at AS "noticeDueAt", it.obligations, it.rules_version AS "rulesVersion"
       FROM unnest($2::text[]) AS x(tenant_id)
       JOIN incident_tenants it ON it.incident_id = $1 AND it.tenant_id = x.tenant_id
       JOIN tenants t ON t.id = it.tenant_id`,
      [incidentId, tenantIds],
    );
  }

  async markSent(manager: EntityManager, outcomes: SentOutcome[]): Promise<void> {
    if (!outcomes.length) return;
    await manager.query(
      `UPDATE deliveries d SET status = 'sent', sent_at = o.sent_at, message_id = o.message_id, content_sha256 = o.sha,
         met_deadline = o.sent_at <= d.notice_due_at, lease_expires_at = NULL, next_attempt_at = NULL, last_error = NULL
       FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[]) AS o(id, sent_at, message_id, sha)
       WHERE d.id = o.id AND d.status = 'queued'`,
      [
        outcomes.map((o) => o.id),
        outcomes.map((o) => o.sentAt),
        outcomes.map((o) => o.messageId),
        outcomes.map((o) => o.contentSha256),
      ],
    );
  }

  async markRetry(manager: EntityManager, outcomes: RetryOutcome[]): Promise<void> {
    if (!outcomes.length) return;
    await manager.query(
      `UPDATE deliveries d SET last_error = o.error, next_attempt_at = o.next_at, lease_expires_at = NULL
       FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS o(id, error, next_at)
       WHERE d.id = o.id AND d.status = 'queued'`,
      [
        outcomes.map((o) => o.id),
        outcomes.map((o) => o.error),
        outcomes.map((o) => o.nextAttemptAt),
      ],
    );
  }

  async markFailed(manager: EntityManager, outcomes: FailedOutcome[]): Promise<void> {
    if (!outcomes.length) return;
    await manager.query(
      `UPDATE deliveries d SET status = 'failed', failed_at = o.failed_at, last_error = o.error, lease_expires_at = NULL, next_attempt_at = NULL
       FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS o(id, error, failed_at)
       WHERE d.id = o.id AND d.status = 'queued'`,
      [outcomes.map((o) => o.id), outcomes.map((o) => o.error), outcomes.map((o) => o.failedAt)],
    );
  }

  async insertFeedPosts(manager: EntityManager, posts: FeedPostRow[]): Promise<void> {
    if (!posts.length) return;
    await manager.query(
      `INSERT INTO feed_posts (tenant_id, notice_id, incident_id, delivery_id, title, content_html, content_text, locale, content_sha256, published_at)
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::timestamptz[])
       ON CONFLICT ON CONSTRAINT uq_feed_posts_notice_tenant DO NOTHING`,
      [
        posts.map((p) => p.tenantId),
        posts.map((p) => p.noticeId),
        posts.map((p) => p.incidentId),
        posts.map((p) => p.deliveryId),
        posts.map((p) => p.title),
        posts.map((p) => p.contentHtml),
        posts.map((p) => p.contentText),
        posts.map((p) => p.locale),
        posts.map((p) => p.contentSha256),
        posts.map((p) => p.publishedAt),
      ],
    );
  }

  async hasPending(manager: EntityManager, noticeId: string): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM deliveries WHERE notice_id = $1 AND status = 'queued' LIMIT 1`,
      [noticeId],
    );
    return rows.length > 0;
  }

  /**
   * Retries whose job was lost (a crash between recording the failure and enqueueing the retry):
   * queued, unclaimed, and due for a retry long ago. Deliveries waiting their first turn in a
   * long queue have no next_attempt_at and are not orphans.
   */
  async orphanedRetries(
    graceMs: number,
    limit: number,
  ): Promise<Array<{ id: string; attempts: number }>> {
    return this.dataSource.query(
      `SELECT id, attempts FROM deliveries
       WHERE status = 'queued' AND next_attempt_at < now() - ($1::integer * interval '1 millisecond')
         AND (lease_expires_at IS NULL OR lease_expires_at < now())
       ORDER BY next_attempt_at LIMIT $2`,
      [graceMs, limit],
    );
  }

  /** Approved notices whose fan-out never started, or stopped moving. */
  async stalledFanouts(graceMs: number): Promise<Array<{ noticeId: string; pages: number }>> {
    return this.dataSource.query(
      `SELECT n.id AS "noticeId", coalesce(f.pages, -1) AS pages FROM notices n
       LEFT JOIN notice_fanouts f ON f.notice_id = n.id
       WHERE n.status IN ('approved', 'sent') AND n.approved_at < now() - ($1::integer * interval '1 millisecond')
         AND (f.notice_id IS NULL OR (f.completed_at IS NULL AND f.progressed_at < now() - ($1::integer * interval '1 millisecond')))`,
      [graceMs],
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

  columns(): string {
    return DELIVERY_COLUMNS;
  }
}
