import { MigrationInterface, QueryRunner } from 'typeorm';

// As for the claim (migration 1796400000000): only the ordered walk of the index is left.
const PLAN_SETTINGS = `SET enable_bitmapscan = off
SET enable_seqscan = off
SET enable_sort = off
SET jit = off`;

const page = (from: string) => `
      SELECT it.tenant_id,
             to_char(it.notice_due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
             t.name, t.locale, t.time_zone, it.obligations, it.rules_version
      FROM (
        SELECT i.tenant_id, i.notice_due_at, i.obligations, i.rules_version FROM incident_tenants i
        WHERE i.incident_id = p_incident AND ${from}
        ORDER BY i.notice_due_at, i.tenant_id
        LIMIT p_limit
      ) it
      LEFT JOIN tenants t ON t.id = it.tenant_id
      ORDER BY it.notice_due_at, it.tenant_id;`;

/**
 * A fan-out page as a function that cannot be planned badly. Planned as a plain statement, the
 * page depended on incident_tenants' statistics: right after an incident's resolution wrote its
 * affected tenants, before autovacuum had analyzed them, the planner believed a few hundred rows
 * matched and chose a bitmap scan of all the incident's tenants, a join of each of them to the
 * directory, and a sort, for every page of a thousand (measured at 30,000 tenants: 105 ms and
 * 90,000 buffers a page, 2.3 s of Postgres's time in all, growing with the square of the
 * incident's size). Here the page walks idx_incident_tenants_due_tenant in deadline order from
 * after the last page's key (an index condition), stops after its rows, and joins only those.
 * See docs/benchmarks.md (session 14).
 */
export class FanoutPagesInIndexOrder1796800000000 implements MigrationInterface {
  name = 'FanoutPagesInIndexOrder1796800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE FUNCTION herald_fanout_page(
  p_incident uuid, p_limit integer, p_after_due timestamptz DEFAULT NULL, p_after_tenant text DEFAULT NULL
)
RETURNS TABLE (
  "tenantId" text, "dueKey" text, name text, "tenantLocale" text, "timeZone" text,
  obligations jsonb, "rulesVersion" text
)
LANGUAGE plpgsql STABLE
${PLAN_SETTINGS}
AS $fn$
BEGIN
  IF p_after_due IS NULL THEN
    RETURN QUERY
${page('TRUE')}
  ELSE
    RETURN QUERY
${page('(i.notice_due_at, i.tenant_id) > (p_after_due, p_after_tenant)')}
  END IF;
END
$fn$;`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION herald_fanout_page(uuid, integer, timestamptz, text)`);
  }
}
