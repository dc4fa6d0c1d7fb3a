import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { rowChunks, rowsOf } from '../database/values-rows.js';
import { WebhookAttemptEntity } from './entities/webhook-attempt.entity.js';
import { WebhookEndpointEntity } from './entities/webhook-endpoint.entity.js';

export interface AttemptRow {
  endpointId: string;
  messageId: string;
  event: string;
  attemptedAt: Date;
  statusCode: number | null;
  ok: boolean;
  error: string | null;
  durationMs: number;
}

export interface EndpointStats {
  endpointId: string;
  attempts: number;
  succeeded: number;
}

export interface ClaimedMessage {
  id: string;
  endpointId: string;
  tenantId: string;
  event: string;
  body: string;
  attempts: number;
}

@Injectable()
export class WebhooksRepository {
  constructor(private readonly dataSource: DataSource) {}

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  async insertEndpoint(
    manager: EntityManager,
    row: Pick<
      WebhookEndpointEntity,
      'tenantId' | 'url' | 'events' | 'secretSealed' | 'createdAt' | 'createdBy'
    >,
  ): Promise<WebhookEndpointEntity> {
    return manager.save(
      manager.create(WebhookEndpointEntity, {
        ...row,
        previousSecretSealed: null,
        previousSecretExpiresAt: null,
        rotatedAt: null,
        deletedAt: null,
        disabledAt: null,
        disabledReason: null,
        failingSince: null,
        lastSuccessAt: null,
      }),
    );
  }

  listEndpoints(tenantId: string): Promise<WebhookEndpointEntity[]> {
    return this.dataSource.manager.find(WebhookEndpointEntity, {
      where: { tenantId, deletedAt: IsNull() },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  /** Every tenant's endpoints, the failing and disabled first (the operators' overview). */
  listAllEndpoints(limit: number): Promise<WebhookEndpointEntity[]> {
    return this.dataSource.manager
      .createQueryBuilder(WebhookEndpointEntity, 'e')
      .where('e.deleted_at IS NULL')
      .orderBy('(e.failing_since IS NULL AND e.disabled_at IS NULL)', 'ASC')
      .addOrderBy('e.tenant_id', 'ASC')
      .addOrderBy('e.created_at', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** An endpoint that is not deleted, locked for the caller's transaction when `manager` is one. */
  findEndpoint(
    id: string,
    manager: EntityManager = this.dataSource.manager,
    lock = false,
  ): Promise<WebhookEndpointEntity | null> {
    return manager.findOne(WebhookEndpointEntity, {
      where: { id, deletedAt: IsNull() },
      ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
  }

  async saveEndpoint(manager: EntityManager, endpoint: WebhookEndpointEntity): Promise<void> {
    await manager.save(endpoint);
  }

  /** Active endpoints of a tenant subscribed to `event`. */
  subscribed(
    manager: EntityManager,
    tenantId: string,
    event: string,
  ): Promise<Array<{ id: string }>> {
    return manager.query(
      `SELECT id FROM webhook_endpoints
       WHERE tenant_id = $1 AND deleted_at IS NULL AND disabled_at IS NULL AND $2 = ANY(events)
       ORDER BY created_at, id`,
      [tenantId, event],
    );
  }

  async insertAttempt(manager: EntityManager, row: AttemptRow): Promise<void> {
    await manager.insert(WebhookAttemptEntity, row);
  }

  /**
   * Records how a call went on the endpoint: a success clears the failing streak, a failure
   * starts one unless it runs already. Returns the endpoint as it now stands.
   */
  async markHealth(
    manager: EntityManager,
    endpointId: string,
    ok: boolean,
    at: Date,
  ): Promise<{ failingSince: Date | null; disabledAt: Date | null } | null> {
    const [rows]: [Array<{ failingSince: Date | null; disabledAt: Date | null }>, number] =
      await manager.query(
        ok
          ? `UPDATE webhook_endpoints SET failing_since = NULL, last_success_at = $2 WHERE id = $1
             RETURNING failing_since AS "failingSince", disabled_at AS "disabledAt"`
          : `UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, $2) WHERE id = $1
             RETURNING failing_since AS "failingSince", disabled_at AS "disabledAt"`,
        [endpointId, at],
      );
    return rows[0] ?? null;
  }

  /** Disables an endpoint that is still active; true when this call disabled it. */
  async disable(
    manager: EntityManager,
    endpointId: string,
    reason: string,
    at: Date,
  ): Promise<boolean> {
    const [rows]: [Array<{ id: string }>, number] = await manager.query(
      `UPDATE webhook_endpoints SET disabled_at = $2, disabled_reason = $3
       WHERE id = $1 AND disabled_at IS NULL AND deleted_at IS NULL RETURNING id`,
      [endpointId, at, reason],
    );
    return rows.length > 0;
  }

  recentAttempts(endpointIds: string[], limit: number): Promise<AttemptRow[]> {
    if (!endpointIds.length) return Promise.resolve([]);
    return this.dataSource.query(
      `SELECT a.endpoint_id AS "endpointId", a.message_id AS "messageId", a.event, a.attempted_at AS "attemptedAt",
         a.status_code AS "statusCode", a.ok, a.error, a.duration_ms AS "durationMs"
       FROM unnest($1::uuid[]) AS e(id)
       CROSS JOIN LATERAL (
         SELECT * FROM webhook_attempts w WHERE w.endpoint_id = e.id ORDER BY w.attempted_at DESC, w.id DESC LIMIT $2
       ) a
       ORDER BY a.endpoint_id, a.attempted_at DESC`,
      [endpointIds, limit],
    );
  }

  stats(endpointIds: string[], since: Date): Promise<EndpointStats[]> {
    if (!endpointIds.length) return Promise.resolve([]);
    return this.dataSource.query(
      `SELECT endpoint_id AS "endpointId", count(*)::int AS attempts, count(*) FILTER (WHERE ok)::int AS succeeded
       FROM webhook_attempts WHERE endpoint_id = ANY($1::uuid[]) AND attempted_at >= $2
       GROUP BY endpoint_id`,
      [endpointIds, since],
    );
  }

  async insertMessages(
    manager: EntityManager,
    rows: Array<{ endpointId: string; tenantId: string; event: string; body: string }>,
    now: Date,
  ): Promise<void> {
    // One row of parameters per message (`rowsOf`): the bodies pass through untouched.
    for (const chunk of rowChunks(rows, 4, 1)) {
      const values = rowsOf(
        chunk.map((r) => [r.endpointId, r.tenantId, r.event, r.body]),
        2,
      );
      await manager.query(
        `INSERT INTO webhook_messages (endpoint_id, tenant_id, event, body, status, attempts, created_at)
         SELECT x.e::uuid, x.t, x.ev, x.b, 'queued', 0, $1 FROM (VALUES ${values.sql}) AS x(e, t, ev, b)`,
        [now, ...values.params],
      );
    }
  }

  /** Claims queued messages oldest first (SKIP LOCKED), counting the attempt and leasing them. */
  async claimMessages(limit: number, leaseMs: number, now: Date): Promise<ClaimedMessage[]> {
    // herald_claim_webhook_messages (migration 1796400000000): the ordered walk of the claim
    // index whatever the statistics say.
    const rows: ClaimedMessage[] = await this.dataSource.query(
      `SELECT * FROM herald_claim_webhook_messages($1, $2, $3)`,
      [now, new Date(now.getTime() + leaseMs), limit],
    );
    return rows;
  }

  async finishMessage(
    id: string,
    attempts: number,
    outcome:
      | { status: 'sent'; at: Date }
      | { status: 'failed'; at: Date; error: string }
      | { status: 'queued'; nextAttemptAt: Date; error: string },
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_messages SET status = $3, lease_expires_at = NULL,
         sent_at = CASE WHEN $3 = 'sent' THEN $4::timestamptz END,
         failed_at = CASE WHEN $3 = 'failed' THEN $4::timestamptz END,
         next_attempt_at = CASE WHEN $3 = 'queued' THEN $4::timestamptz END,
         last_error = $5
       WHERE id = $1 AND status = 'queued' AND attempts = $2`,
      [
        id,
        attempts,
        outcome.status,
        outcome.status === 'queued' ? outcome.nextAttemptAt : outcome.at,
        outcome.status === 'sent' ? null : outcome.error,
      ],
    );
  }
}
