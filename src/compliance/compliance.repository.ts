import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { StoredObligation } from '../incidents/entities/incident-tenant.entity.js';
import { OUTCOME_COUNTS, tenantOutcomesSql } from './compliance.sql.js';
import type { ComplianceCounts } from './domain/compliance-status.js';

export interface ReportIncidentRow {
  id: string;
  externalId: string;
  title: string;
  severity: string;
  phase: string;
  status: string;
  awareAt: Date;
  affectedTenantCount: number;
}

export interface ReportTenantRow {
  tenantId: string;
  tenantName: string | null;
  noticeDueAt: Date;
  obligations: StoredObligation[];
  rulesVersion: string;
}

export interface ReportDeliveryRow {
  id: string;
  noticeId: string;
  tenantId: string;
  channel: 'email' | 'dashboard' | 'webhook';
  recipient: string;
  status: 'queued' | 'sent' | 'failed' | 'bounced';
  attempts: number;
  queuedAt: Date;
  sentAt: Date | null;
  failedAt: Date | null;
  bouncedAt: Date | null;
  messageId: string | null;
  contentSha256: string | null;
  lastError: string | null;
}

export interface ReportNoticeRow {
  id: string;
  kind: string;
  status: string;
  approvedRevision: number | null;
  approvedSha256: string | null;
  approvedAt: Date | null;
  sentAt: Date | null;
  approvals: Array<{
    approver: string;
    approvedAt: string;
    revision: number;
    contentSha256: string;
  }>;
}

export interface PortfolioWindow {
  from?: Date;
  to?: Date;
}

export interface PortfolioIncidentRow extends ReportIncidentRow {
  counts: ComplianceCounts;
}

const INCIDENT_COLUMNS = `i.id, i.external_id AS "externalId", i.title, i.severity, i.phase, i.status, i.aware_at AS "awareAt",
  i.affected_tenant_count AS "affectedTenantCount"`;

const ZERO: ComplianceCounts = {
  tenants: 0,
  notifiedInTime: 0,
  late: 0,
  notifiedLate: 0,
  missed: 0,
  notYetDue: 0,
  undeliverable: 0,
};

function windowWhere(window: PortfolioWindow, params: unknown[]): string {
  const where = ['true'];
  if (window.from) {
    params.push(window.from);
    where.push(`i.aware_at >= $${params.length}`);
  }
  if (window.to) {
    params.push(window.to);
    where.push(`i.aware_at < $${params.length}`);
  }
  return where.join(' AND ');
}

/** Read-only, set-based queries over incidents, notices and deliveries for the compliance reports. */
@Injectable()
export class ComplianceRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Runs an aggregate of tenantOutcomesSql serially: a parallel plan would rebuild the per-tenant
   * delivery aggregate in every worker (measured: 10 s instead of 4 s for a million tenants).
   */
  private aggregate<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SET LOCAL max_parallel_workers_per_gather = 0');
      return manager.query(sql, params);
    });
  }

  async incident(id: string): Promise<ReportIncidentRow | null> {
    const rows: ReportIncidentRow[] = await this.dataSource.query(
      `SELECT ${INCIDENT_COLUMNS} FROM incidents i WHERE i.id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** The incident's counts in one aggregate statement (one pass over its tenants and deliveries). */
  async incidentCounts(
    incidentId: string,
    now: Date,
    tenantId?: string,
  ): Promise<ComplianceCounts> {
    const params: unknown[] = [incidentId, now];
    let filter = (a: string) => `${a}.incident_id = $1`;
    if (tenantId) {
      params.push(tenantId);
      filter = (a: string) => `${a}.incident_id = $1 AND ${a}.tenant_id = $3`;
    }
    const rows = await this.aggregate<ComplianceCounts>(
      `SELECT ${OUTCOME_COUNTS} FROM (${tenantOutcomesSql(filter, '$2::timestamptz')}) x`,
      params,
    );
    return rows[0] ?? { ...ZERO };
  }

  /** A page of affected tenants in tenant id order (keyset). */
  tenantPage(
    incidentId: string,
    afterTenantId: string,
    limit: number,
    tenantId?: string,
  ): Promise<ReportTenantRow[]> {
    const params: unknown[] = [incidentId, afterTenantId, limit];
    let extra = '';
    if (tenantId) {
      params.push(tenantId);
      extra = `AND it.tenant_id = $${params.length}`;
    }
    return this.dataSource.query(
      // The name by a probe per row of the page: a join would merge through the whole directory.
      `SELECT it.tenant_id AS "tenantId", (SELECT t.name FROM tenants t WHERE t.id = it.tenant_id) AS "tenantName",
         it.notice_due_at AS "noticeDueAt", it.obligations, it.rules_version AS "rulesVersion"
       FROM incident_tenants it
       WHERE it.incident_id = $1 AND it.tenant_id > $2 ${extra}
       ORDER BY it.tenant_id
       LIMIT $3`,
      params,
    );
  }

  /** Every delivery of these tenants for the incident, in one statement. */
  deliveriesOf(incidentId: string, tenantIds: string[]): Promise<ReportDeliveryRow[]> {
    if (tenantIds.length === 0) return Promise.resolve([]);
    return this.dataSource.query(
      `SELECT d.id, d.notice_id AS "noticeId", d.tenant_id AS "tenantId", d.channel, d.recipient, d.status, d.attempts,
         d.queued_at AS "queuedAt", d.sent_at AS "sentAt", d.failed_at AS "failedAt", d.bounced_at AS "bouncedAt", d.message_id AS "messageId",
         d.content_sha256 AS "contentSha256", d.last_error AS "lastError"
       FROM deliveries d
       WHERE d.incident_id = $1 AND d.tenant_id = ANY($2::text[])
       ORDER BY d.tenant_id, d.queued_at, d.channel, d.recipient`,
      [incidentId, tenantIds],
    );
  }

  /** The incident's notices with the approvals of the approved revision (a handful of rows). */
  notices(incidentId: string): Promise<ReportNoticeRow[]> {
    return this.dataSource.query(
      `SELECT n.id, n.kind, n.status, n.approved_revision AS "approvedRevision", n.approved_sha256 AS "approvedSha256",
         n.approved_at AS "approvedAt", n.sent_at AS "sentAt",
         coalesce((
           SELECT json_agg(json_build_object(
             'approver', a.approver,
             'approvedAt', to_char(a.approved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
             'revision', a.revision,
             'contentSha256', a.content_sha256) ORDER BY a.approved_at, a.approver)
           FROM notice_approvals a WHERE a.notice_id = n.id AND a.revision = n.approved_revision
         ), '[]'::json) AS approvals
       FROM notices n
       WHERE n.incident_id = $1
       ORDER BY n.created_at, n.id`,
      [incidentId],
    );
  }

  /** A page of the incidents whose awareAt falls in the window (awareAt, id order), with their counts. */
  async portfolioPage(
    window: PortfolioWindow,
    now: Date,
    limit: number,
    after?: { awareAt: string; id: string },
  ): Promise<PortfolioIncidentRow[]> {
    const params: unknown[] = [];
    const where = [windowWhere(window, params)];
    if (after) {
      params.push(after.awareAt, after.id);
      where.push(
        `(i.aware_at, i.id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`,
      );
    }
    params.push(limit);
    const incidents: ReportIncidentRow[] = await this.dataSource.query(
      `SELECT ${INCIDENT_COLUMNS} FROM incidents i WHERE ${where.join(' AND ')} ORDER BY i.aware_at, i.id LIMIT $${params.length}`,
      params,
    );
    if (incidents.length === 0) return [];
    const counts = await this.aggregate<ComplianceCounts & { incidentId: string }>(
      `SELECT incident_id AS "incidentId", ${OUTCOME_COUNTS}
       FROM (${tenantOutcomesSql((a) => `${a}.incident_id = ANY($1::uuid[])`, '$2::timestamptz')}) x
       GROUP BY incident_id`,
      [incidents.map((i) => i.id), now],
    );
    const byId = new Map(counts.map(({ incidentId, ...c }) => [incidentId, c]));
    return incidents.map((i) => ({ ...i, counts: byId.get(i.id) ?? { ...ZERO } }));
  }

  /** The window's totals in one aggregate statement. */
  async portfolioTotals(
    window: PortfolioWindow,
    now: Date,
  ): Promise<ComplianceCounts & { incidents: number }> {
    const params: unknown[] = [now];
    const where = windowWhere(window, params);
    const inWindow = (a: string) =>
      `${a}.incident_id IN (SELECT i.id FROM incidents i WHERE ${where})`;
    const [counts] = await this.aggregate<ComplianceCounts>(
      `SELECT ${OUTCOME_COUNTS} FROM (${tenantOutcomesSql(inWindow, '$1::timestamptz')}) x`,
      params,
    );
    const countParams: unknown[] = [];
    const [incidents]: Array<{ n: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM incidents i WHERE ${windowWhere(window, countParams)}`,
      countParams,
    );
    return { incidents: incidents.n, ...(counts ?? ZERO) };
  }
}
