import { MigrationInterface, QueryRunner } from 'typeorm';

// Only the ordered walk of the claim index is left to the planner (see below).
const PLAN_SETTINGS = `SET enable_bitmapscan = off
SET enable_seqscan = off
SET enable_sort = off
SET jit = off`;

// One claim, for the channel predicate given: the webhook sender and the mail sender each walk
// their own partial index (idx_deliveries_webhook_claim, idx_deliveries_claim), from the start or
// from after a position in it (an index condition).
const claim = (channel: string, from = 'TRUE') => `
      WITH next AS (
        SELECT dd.id FROM deliveries dd
        WHERE dd.status = 'queued' AND ${channel} AND ${from}
          AND (dd.lease_expires_at IS NULL OR dd.lease_expires_at < p_now)
          AND (dd.next_attempt_at IS NULL OR dd.next_attempt_at <= p_now)
        ORDER BY dd.notice_due_at, dd.tenant_id, dd.id
        LIMIT p_limit FOR UPDATE SKIP LOCKED
      ), u AS (
        UPDATE deliveries d SET attempts = d.attempts + 1, lease_expires_at = p_until, next_attempt_at = NULL
        FROM next WHERE d.id = next.id
        RETURNING d.*
      )
      SELECT u.id, u.notice_id, u.incident_id, u.tenant_id, u.channel, u.recipient, u.attempts, u.queued_at,
             u.notice_due_at, u.locale, t.name, t.locale, t.time_zone, it.obligations, it.rules_version
      FROM u
      LEFT JOIN incident_tenants it ON it.incident_id = u.incident_id AND it.tenant_id = u.tenant_id
      LEFT JOIN tenants t ON t.id = u.tenant_id
      ORDER BY u.notice_due_at, u.tenant_id, u.id;`;

/**
 * What a fan-out to a million tenants showed (docs/benchmarks.md, session 5).
 *
 * The sender's claim as a function that cannot be planned badly. Planned as a plain statement,
 * the claim depended on the table's statistics: right after a fan-out, before autovacuum had
 * analyzed the new rows, the planner believed a handful of deliveries were queued and chose a
 * bitmap scan and a sort of every queued row for each claim of twenty (measured: 10.6 ms a claim
 * at 13,000 queued, 60% of Postgres's time in a 5,000-tenant run; it grows with the backlog).
 * Here the only plan is the ordered walk of idx_deliveries_claim (or idx_deliveries_webhook_claim)
 * that stops after the rows it takes; the webhook event outbox's claim likewise walks
 * idx_webhook_messages_claim. JIT stays off: the disabled plan kinds add a large fixed
 * cost that would otherwise make Postgres compile this tiny statement (200 ms).
 *
 * A sender may also start its walk after the last delivery it claimed (p_after_*): the index's
 * first entries are those of deliveries already sent, dead until vacuum reaches them, and a walk
 * from the start skipped every one of them (measured at 1,000,000 tenants: 14.6 ms and 2,477
 * buffers for a claim of twenty behind 400,000 sent). The sender walks from the start again
 * whenever new work is committed and at least every second (DeliverySender), so a tighter
 * deadline or a retry that fell due behind its position still goes first.
 *
 * idx_deliveries_pending (notice_id, next_attempt_at) was the bitmap scan's index and is read by
 * nothing else (a notice's queued check uses idx_deliveries_notice_status): one index less to
 * write on every change of a delivery.
 *
 * The tenants get an index for the contact sweep's pages (below).
 *
 * A dashboard post's HTML and text (about 19 KB and 4 KB a tenant) are compressed with lz4
 * instead of pglz: the same size on disk, a quarter of the CPU (measured on 2,000 posts: 128 ms
 * against 499 ms). A server built without lz4 keeps pglz.
 */
export class DeliveryAtScale1796400000000 implements MigrationInterface {
  name = 'DeliveryAtScale1796400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "idx_deliveries_pending"`);
    // The contact sweep pages through the tenants changed since its last run, by (updated_at, id):
    // without an index each page of 500 was a scan and sort of every tenant (400 ms a page at
    // 1,000,000 tenants, 2,000 pages for a sweep after a mass import).
    await q.query(`CREATE INDEX "idx_tenants_updated" ON "tenants" ("updated_at", "id")`);
    await q.query(`
      DO $$
      BEGIN
        ALTER TABLE feed_posts
          ALTER COLUMN content_html SET COMPRESSION lz4,
          ALTER COLUMN content_text SET COMPRESSION lz4;
      EXCEPTION WHEN feature_not_supported THEN
        RAISE NOTICE 'lz4 is not available: dashboard posts stay compressed with pglz';
      END
      $$`);
    await q.query(`
CREATE FUNCTION herald_claim_deliveries(
  p_now timestamptz, p_until timestamptz, p_limit integer, p_webhook boolean,
  p_after_due timestamptz DEFAULT NULL, p_after_tenant text DEFAULT NULL, p_after_id uuid DEFAULT NULL
)
RETURNS TABLE (
  id uuid, "noticeId" uuid, "incidentId" uuid, "tenantId" text, channel text, recipient text,
  attempts integer, "queuedAt" timestamptz, "noticeDueAt" timestamptz, locale text,
  name text, "tenantLocale" text, "timeZone" text, obligations jsonb, "rulesVersion" text
)
LANGUAGE plpgsql
${PLAN_SETTINGS}
AS $fn$
BEGIN
  IF p_webhook THEN
    RETURN QUERY
${claim(`dd.channel = 'webhook'`)}
  ELSIF p_after_due IS NULL THEN
    RETURN QUERY
${claim(`dd.channel <> 'webhook'`)}
  ELSE
    RETURN QUERY
${claim(`dd.channel <> 'webhook'`, `(dd.notice_due_at, dd.tenant_id, dd.id) > (p_after_due, p_after_tenant, p_after_id)`)}
  END IF;
END
$fn$;`);
    // The outbox of events that are not notices (contacts.verification_needed: one per contact
    // on a mass import's first sweep) is claimed the same way, oldest first.
    await q.query(`
CREATE FUNCTION herald_claim_webhook_messages(p_now timestamptz, p_until timestamptz, p_limit integer)
RETURNS TABLE (id uuid, "endpointId" uuid, "tenantId" text, event text, body text, attempts integer)
LANGUAGE sql
${PLAN_SETTINGS}
AS $fn$
  WITH next AS (
    SELECT mm.id FROM webhook_messages mm
    WHERE mm.status = 'queued'
      AND (mm.lease_expires_at IS NULL OR mm.lease_expires_at < p_now)
      AND (mm.next_attempt_at IS NULL OR mm.next_attempt_at <= p_now)
    ORDER BY mm.created_at, mm.id
    LIMIT p_limit FOR UPDATE SKIP LOCKED
  )
  UPDATE webhook_messages m SET attempts = m.attempts + 1, lease_expires_at = p_until, next_attempt_at = NULL
  FROM next WHERE m.id = next.id
  RETURNING m.id, m.endpoint_id, m.tenant_id, m.event, m.body, m.attempts
$fn$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "idx_tenants_updated"`);
    await q.query(
      `ALTER TABLE feed_posts ALTER COLUMN content_html SET COMPRESSION DEFAULT, ALTER COLUMN content_text SET COMPRESSION DEFAULT`,
    );
    await q.query(`DROP FUNCTION herald_claim_webhook_messages(timestamptz, timestamptz, integer)`);
    await q.query(
      `DROP FUNCTION herald_claim_deliveries(timestamptz, timestamptz, integer, boolean, timestamptz, text, uuid)`,
    );
    await q.query(
      `CREATE INDEX "idx_deliveries_pending" ON "deliveries" ("notice_id", "next_attempt_at") WHERE status = 'queued'`,
    );
  }
}
