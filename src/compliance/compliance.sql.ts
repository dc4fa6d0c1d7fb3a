import { tenantNotifiedSql } from '../delivery/tenant-notified.sql.js';

// The definitions of src/compliance/domain/compliance-status.ts, as set-based SQL: one statement
// over every affected tenant of the chosen incidents, never a query per tenant.

/**
 * One row per affected tenant of the incidents `incidentFilter` picks (it receives a table alias):
 * incident_id, tenant_id, notice_due_at, first_sent_at, met_deadline, undeliverable.
 * `now` is the SQL expression (a parameter) for "now".
 */
export function tenantOutcomesSql(incidentFilter: (alias: string) => string, now: string): string {
  return `
    SELECT it.incident_id, it.tenant_id, it.notice_due_at, o.first_sent_at,
      CASE WHEN o.first_sent_at IS NOT NULL THEN o.first_sent_at <= it.notice_due_at
           WHEN it.notice_due_at < ${now} THEN false END AS met_deadline,
      coalesce(agg.emails, 0) > 0 AND agg.emails_failed = agg.emails AS undeliverable
    FROM incident_tenants it
    LEFT JOIN (
      SELECT d.incident_id, d.tenant_id,
        count(*) FILTER (WHERE d.channel = 'email') AS emails,
        count(*) FILTER (WHERE d.channel = 'email' AND d.status IN ('failed', 'bounced')) AS emails_failed,
        min(d.sent_at) FILTER (WHERE d.channel = 'dashboard' AND d.status = 'sent') AS dashboard_sent_at,
        -- Email and webhook calls count alike; a webhook is sent only once its endpoint answered 2xx.
        count(*) FILTER (WHERE d.channel <> 'dashboard') AS pushed,
        min(d.sent_at) FILTER (WHERE d.channel <> 'dashboard' AND d.status = 'sent') AS pushed_sent_at
      FROM deliveries d
      WHERE ${incidentFilter('d')}
      GROUP BY d.incident_id, d.tenant_id
    ) agg ON agg.incident_id = it.incident_id AND agg.tenant_id = it.tenant_id
    CROSS JOIN LATERAL (
      SELECT CASE WHEN coalesce(agg.pushed, 0) > 0 THEN agg.pushed_sent_at ELSE agg.dashboard_sent_at END AS first_sent_at
    ) o
    WHERE ${incidentFilter('it')}`;
}

/** The ComplianceCounts columns over rows of tenantOutcomesSql. */
export const OUTCOME_COUNTS = `
  count(*)::int AS "tenants",
  count(*) FILTER (WHERE met_deadline)::int AS "notifiedInTime",
  count(*) FILTER (WHERE NOT met_deadline)::int AS "late",
  count(*) FILTER (WHERE NOT met_deadline AND first_sent_at IS NOT NULL)::int AS "notifiedLate",
  count(*) FILTER (WHERE NOT met_deadline AND first_sent_at IS NULL)::int AS "missed",
  count(*) FILTER (WHERE met_deadline IS NULL)::int AS "notYetDue",
  count(*) FILTER (WHERE undeliverable)::int AS "undeliverable"`;

/** True when the tenant `it` has been told of its incident (the delivery feature's rule). */
export const NOTIFIED_SQL = tenantNotifiedSql('it.incident_id', 'it.tenant_id');
