// When a tenant counts as told of its incident, as SQL over the deliveries table (which this
// feature owns): a sent email or webhook call (the endpoint answered 2xx), or, for a tenant
// without either, a sent dashboard post (the same rule as the compliance report's firstSentAt).
// The dashboard post alone does not count for a tenant with email contacts or endpoints: it is
// made at once, whatever the mail does.

/**
 * A boolean SQL expression: the tenant `tenant` of incident `incident` (column expressions of the
 * surrounding query) has been told. A scalar subquery on purpose: evaluated only for the rows that
 * pass the cheaper conditions, where an anti-join would sort every sent delivery of every incident.
 */
export function tenantNotifiedSql(incident: string, tenant: string): string {
  return `coalesce((
  SELECT true FROM deliveries d
  WHERE d.incident_id = ${incident} AND d.tenant_id = ${tenant} AND d.status = 'sent'
    AND (d.channel <> 'dashboard' OR NOT EXISTS (
      SELECT 1 FROM deliveries e WHERE e.incident_id = ${incident} AND e.tenant_id = ${tenant} AND e.channel <> 'dashboard'))
  LIMIT 1), false)`;
}
