import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { NOTIFIED_SQL } from './compliance.sql.js';
import type { DeadlineAlertState } from './domain/compliance-status.js';
import type { EscalationMailContent } from './domain/escalation-mail.js';

export interface PendingEscalation {
  id: string;
  messageId: string;
  recipient: string;
  subject: string;
  textBody: string;
  htmlBody: string;
  alerts: number;
  createdAt: Date;
  attempts: number;
}

export interface DetectionCounts {
  /** Tenants not yet told whose deadline is near, and past (the gauges). */
  near: number;
  past: number;
  /** Alerts this run recorded for the first time. */
  newNear: number;
  newMissed: number;
  newUndeliverable: number;
}

export interface UnauditedAlert {
  incidentId: string;
  tenantId: string;
  state: DeadlineAlertState;
  noticeDueAt: Date;
  awareAt: Date;
  detectedAt: Date;
}

export interface EscalationRow {
  incidentId: string;
  externalId: string;
  title: string;
  state: DeadlineAlertState;
  tenants: number;
  earliestDueAt: Date;
}

// Tenants of open incidents (phase not resolved) whose every email delivery failed or bounced;
// the partial index idx_deliveries_failed finds the candidates.
const UNDELIVERABLE_SQL = `SELECT x.incident_id, x.tenant_id
  FROM (SELECT DISTINCT f.incident_id, f.tenant_id FROM deliveries f
        JOIN incidents i ON i.id = f.incident_id AND i.phase <> 'resolved'
        WHERE f.status IN ('failed', 'bounced') AND f.channel = 'email') x
  WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.incident_id = x.incident_id AND d.tenant_id = x.tenant_id
                    AND d.channel = 'email' AND d.status NOT IN ('failed', 'bounced'))`;

// $1 now, $2 the warn fraction. A tenant is near or past its deadline when less than the fraction
// of its window (awareAt to noticeDueAt) is left: due - now < f * (due - aware), which is
// due < now + (now - aware) * f / (1 - f): a bound per incident, so the (incident_id,
// notice_due_at) index finds the tenants.
const DUE_BY = `$1::timestamptz + ($1::timestamptz - i.aware_at) * ($2::float8 / (1 - $2::float8))`;

// Where an affected tenant may still be waiting to be told: every tenant of an incident whose
// deliveries are not finished, and, of a delivered incident (every delivery sent or failed), only
// the tenants with a failed delivery (a partial index makes that cheap). A tenant of a delivered
// incident without any failed delivery has been told, so the watch need not look at it again.
// MATERIALIZED: the deadline bound filters first; the "told?" probe runs only on what is left,
// and not at all for an incident nothing was sent for yet (AND short-circuits).
const DUE_SOON_OR_PAST = `
  unfinished AS MATERIALIZED (
    SELECT i.id, i.aware_at, EXISTS (SELECT 1 FROM deliveries d WHERE d.incident_id = i.id AND d.status = 'sent') AS any_sent
    FROM incidents i
    WHERE i.status <> 'delivered'
  ),
  due AS MATERIALIZED (
    SELECT it.incident_id, it.tenant_id, it.notice_due_at, i.any_sent
    FROM unfinished i
    JOIN incident_tenants it ON it.incident_id = i.id AND it.notice_due_at < ${DUE_BY}
    UNION ALL
    SELECT it.incident_id, it.tenant_id, it.notice_due_at, true
    FROM (SELECT DISTINCT f.incident_id, f.tenant_id FROM deliveries f WHERE f.status IN ('failed', 'bounced')) f
    JOIN incidents i ON i.id = f.incident_id AND i.status = 'delivered'
    JOIN incident_tenants it ON it.incident_id = f.incident_id AND it.tenant_id = f.tenant_id AND it.notice_due_at < ${DUE_BY}
  ),
  untold AS MATERIALIZED (
    SELECT it.incident_id, it.tenant_id, it.notice_due_at,
      CASE WHEN it.notice_due_at < $1::timestamptz THEN 'missed' ELSE 'near' END AS state
    FROM due it
    WHERE NOT (it.any_sent AND ${NOTIFIED_SQL})
  ),
  undeliverable AS MATERIALIZED (
    SELECT it.incident_id, it.tenant_id, it.notice_due_at, 'undeliverable' AS state
    FROM (${UNDELIVERABLE_SQL}) x
    JOIN incident_tenants it ON it.incident_id = x.incident_id AND it.tenant_id = x.tenant_id
  )`;

@Injectable()
export class DeadlineWatchRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * One set-based statement: finds every tenant not yet told whose deadline is near or past,
   * records the states not recorded before (unaudited), and counts both.
   */
  async detect(now: Date, warnFraction: number): Promise<DetectionCounts> {
    return this.dataSource.transaction(async (manager) => {
      // Runs every minute: compiling it (JIT) costs more than it saves.
      await manager.query(`SET LOCAL jit = off`);
      const [row]: DetectionCounts[] = await manager.query(
        `WITH ${DUE_SOON_OR_PAST},
       inserted AS (
         INSERT INTO deadline_alerts (incident_id, tenant_id, state, notice_due_at, detected_at)
         SELECT u.incident_id, u.tenant_id, u.state, u.notice_due_at, $1
         FROM (SELECT * FROM untold UNION ALL SELECT * FROM undeliverable) u
         -- A probe per row, not an anti-join: planned from a small alerts table, an anti-join
         -- can turn into a nested loop over every alert for every tenant.
         WHERE NOT coalesce((SELECT true FROM deadline_alerts a WHERE a.incident_id = u.incident_id AND a.tenant_id = u.tenant_id AND a.state = u.state), false)
         ON CONFLICT DO NOTHING
         RETURNING state
       )
       SELECT (SELECT count(*) FROM untold WHERE state = 'near')::int AS near,
              (SELECT count(*) FROM untold WHERE state = 'missed')::int AS past,
              (SELECT count(*) FROM inserted WHERE state = 'near')::int AS "newNear",
              (SELECT count(*) FROM inserted WHERE state = 'missed')::int AS "newMissed",
              (SELECT count(*) FROM inserted WHERE state = 'undeliverable')::int AS "newUndeliverable"`,
        [now, warnFraction],
      );
      return row;
    });
  }

  /** Claims the next alerts without an audit event (skipping those another worker holds). */
  claimUnaudited(manager: EntityManager, limit: number): Promise<UnauditedAlert[]> {
    return manager.query(
      `SELECT a.incident_id AS "incidentId", a.tenant_id AS "tenantId", a.state, a.notice_due_at AS "noticeDueAt",
         i.aware_at AS "awareAt", a.detected_at AS "detectedAt"
       FROM deadline_alerts a JOIN incidents i ON i.id = a.incident_id
       WHERE a.audited_at IS NULL
       ORDER BY a.incident_id, a.tenant_id, a.state
       LIMIT $1
       FOR UPDATE OF a SKIP LOCKED`,
      [limit],
    );
  }

  async markAudited(manager: EntityManager, alerts: UnauditedAlert[], at: Date): Promise<void> {
    await manager.query(
      `UPDATE deadline_alerts a SET audited_at = $4
       FROM unnest($1::uuid[], $2::text[], $3::text[]) AS k(incident_id, tenant_id, state)
       WHERE a.incident_id = k.incident_id AND a.tenant_id = k.tenant_id AND a.state = k.state`,
      [
        alerts.map((a) => a.incidentId),
        alerts.map((a) => a.tenantId),
        alerts.map((a) => a.state),
        at,
      ],
    );
  }

  /** Tenants of open incidents (phase not resolved) whose every email delivery failed or bounced. */
  async undeliverableCount(): Promise<number> {
    const [row]: Array<{ n: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM (${UNDELIVERABLE_SQL}) x`,
    );
    return row.n;
  }

  /** Only one escalation at a time across every worker; released when the transaction ends. */
  async tryEscalationLock(manager: EntityManager): Promise<boolean> {
    const [row]: Array<{ locked: boolean }> = await manager.query(
      'SELECT pg_try_advisory_xact_lock($1) AS locked',
      [7_245_010],
    );
    return row.locked;
  }

  /** Marks every audited alert not escalated yet as escalated and returns them grouped by incident and state. */
  claimUnescalated(manager: EntityManager, now: Date): Promise<EscalationRow[]> {
    return manager.query(
      `WITH claimed AS (
         UPDATE deadline_alerts SET escalated_at = $1 WHERE escalated_at IS NULL AND audited_at IS NOT NULL
         RETURNING incident_id, state, notice_due_at
       )
       SELECT c.incident_id AS "incidentId", i.external_id AS "externalId", i.title, c.state,
              count(*)::int AS tenants, min(c.notice_due_at) AS "earliestDueAt"
       FROM claimed c JOIN incidents i ON i.id = c.incident_id
       GROUP BY c.incident_id, i.external_id, i.title, c.state
       ORDER BY min(c.notice_due_at), c.incident_id, c.state`,
      [now],
    );
  }

  /** Records the decided mail in the caller's transaction; it is sent after commit. */
  async recordEscalation(
    manager: EntityManager,
    mail: EscalationMailContent & { messageId: string; to: string; alerts: number; at: Date },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO escalation_mails (message_id, recipient, subject, text_body, html_body, alerts, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [mail.messageId, mail.to, mail.subject, mail.text, mail.html, mail.alerts, mail.at],
    );
  }

  /**
   * Leases the oldest unsent escalation mail no other worker holds, other than those this run
   * already tried (it is sent outside any transaction).
   */
  async leasePendingEscalation(
    now: Date,
    leaseMs: number,
    tried: string[],
  ): Promise<PendingEscalation | null> {
    // TypeORM answers an UPDATE with [rows, rowCount].
    const [rows]: [PendingEscalation[], number] = await this.dataSource.query(
      `UPDATE escalation_mails SET lease_expires_at = $1::timestamptz + ($2::integer * interval '1 millisecond'), attempts = attempts + 1
       WHERE id = (SELECT id FROM escalation_mails
                   WHERE sent_at IS NULL AND (lease_expires_at IS NULL OR lease_expires_at < $1)
                     AND NOT (id = ANY($3::uuid[]))
                   ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING id, message_id AS "messageId", recipient, subject, text_body AS "textBody",
         html_body AS "htmlBody", alerts, created_at AS "createdAt", attempts`,
      [now, leaseMs, tried],
    );
    return rows[0] ?? null;
  }

  /** True when this call marked it sent (not already marked by another worker). */
  async markEscalationSent(manager: EntityManager, id: string, at: Date): Promise<boolean> {
    const [rows]: [unknown[], number] = await manager.query(
      `UPDATE escalation_mails SET sent_at = $2, lease_expires_at = NULL, last_error = NULL
       WHERE id = $1 AND sent_at IS NULL RETURNING id`,
      [id, at],
    );
    return rows.length > 0;
  }

  /** The send failed: the next run tries again. */
  async releaseEscalation(id: string, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE escalation_mails SET lease_expires_at = NULL, last_error = $2 WHERE id = $1 AND sent_at IS NULL`,
      [id, error.slice(0, 1000)],
    );
  }
}
