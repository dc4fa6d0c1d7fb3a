import { MigrationInterface, QueryRunner } from 'typeorm';

// A function's statements are planned once per database session and the plan kept (a generic
// plan), so the plan must not depend on what the tables held then. These settings leave only
// nested loops and index scans; which index a statement may take is its own concern (see
// herald_mark_sent).
const CACHED = `SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
SET enable_bitmapscan = off
SET enable_hashjoin = off
SET enable_mergejoin = off
SET jit = off`;

/**
 * The statements that record each send outcome, as functions whose plans Postgres keeps.
 * As plain statements they were parsed, analyzed and planned again at every group of outcomes
 * (measured at 30,000 tenants: 245 µs to plan each "mark sent" of a group, 150 µs each shard
 * lock, 3.7 s of planning in all, a seventh of Postgres's CPU), and an audit append sent 13
 * parameters an event, one statement text per group size. A plpgsql function's plans live in
 * its server connection, so this holds behind PgBouncer in transaction mode too, where named
 * prepared statements do not (PgBouncer before 1.21).
 *
 * - herald_mark_sent: marks queued deliveries sent, returns those it changed.
 * - herald_lock_audit_shard: locks the preferred free shard, else the first free one from a
 *   start (SKIP LOCKED), or with p_wait the shard after the start, waiting for it; with n new
 *   seqs (as the two statements it replaces, audit.repository.ts).
 * - herald_append_audit_events: inserts a shard's events, given as one JSON array (jsonb_to_recordset)
 *   instead of 13 parameters each, and moves the shard's head.
 * See docs/benchmarks.md (session 14).
 */
export class RecordingWithCachedPlans1796900000000 implements MigrationInterface {
  name = 'RecordingWithCachedPlans1796900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE FUNCTION herald_mark_sent(
  p_ids uuid[], p_sent_at timestamptz[], p_message_ids text[], p_shas text[]
)
RETURNS TABLE ("deliveryId" uuid)
LANGUAGE plpgsql
${CACHED}
AS $fn$
DECLARE
  -- A variable, not a literal: a generic plan cannot then prove the claim indexes' predicate
  -- (status = 'queued'), so it cannot pick one of them. Planned while they looked nearly empty
  -- (before any ANALYZE), the kept plan looked each id up by a whole walk of
  -- idx_deliveries_claim, whose third column is the id (measured: six times as long).
  v_queued constant text := 'queued';
BEGIN
  RETURN QUERY
  WITH changed AS (
    UPDATE deliveries d SET status = 'sent', sent_at = o.sent_at, message_id = o.message_id, content_sha256 = o.sha,
      met_deadline = o.sent_at <= d.notice_due_at, lease_expires_at = NULL, next_attempt_at = NULL, last_error = NULL
    FROM unnest(p_ids, p_sent_at, p_message_ids, p_shas) AS o(id, sent_at, message_id, sha)
    WHERE d.id = o.id AND d.status = v_queued
    RETURNING d.id
  )
  SELECT c.id FROM changed c;
END
$fn$`);
    await q.query(`
CREATE FUNCTION herald_lock_audit_shard(
  p_n integer, p_shards integer, p_preferred integer, p_start integer, p_wait boolean DEFAULT false
)
RETURNS TABLE (shard integer, "headSeq" text, "headHash" text, seqs text[])
LANGUAGE plpgsql
${CACHED}
AS $fn$
#variable_conflict use_column
DECLARE
  v_shard integer;
  v_head_seq bigint;
  v_head_hash text;
BEGIN
  IF p_wait THEN
    SELECT s.shard, s.head_seq, s.head_hash INTO v_shard, v_head_seq, v_head_hash
    FROM audit_shards s WHERE s.shard = p_start + 1 FOR UPDATE;
  ELSE
    SELECT s.shard, s.head_seq, s.head_hash INTO v_shard, v_head_seq, v_head_hash
    FROM audit_shards s
    WHERE s.shard BETWEEN 1 AND p_shards
    ORDER BY (s.shard = p_preferred) DESC, (s.shard + p_start) % p_shards
    LIMIT 1 FOR UPDATE SKIP LOCKED;
  END IF;
  IF v_shard IS NULL THEN
    RETURN;
  END IF;
  -- The seqs are taken under the shard's lock, so a shard's seqs only grow.
  RETURN QUERY SELECT v_shard, v_head_seq::text, v_head_hash,
    ARRAY(SELECT n.v::text FROM (SELECT nextval('audit_events_seq') AS v FROM generate_series(1, p_n)) n ORDER BY n.v);
END
$fn$`);
    await q.query(`
CREATE FUNCTION herald_append_audit_events(p_shard integer, p_head_seq bigint, p_head_hash text, p_events jsonb)
RETURNS void
LANGUAGE plpgsql
${CACHED}
AS $fn$
BEGIN
  INSERT INTO audit_events (seq, id, occurred_at, actor, action, entity_type, entity_id, incident_id, change,
                            prev_hash, hash, shard, prev_seq)
  SELECT e.seq, e.id, e."occurredAt", e.actor, e.action, e."entityType", e."entityId", e."incidentId", e.change,
         e."prevHash", e.hash, e.shard, e."prevSeq"
  FROM jsonb_to_recordset(p_events) AS e(
    seq bigint, id uuid, "occurredAt" timestamptz, actor text, action text, "entityType" text, "entityId" text,
    "incidentId" uuid, change jsonb, "prevHash" text, hash text, shard integer, "prevSeq" bigint
  );
  UPDATE audit_shards SET head_seq = p_head_seq, head_hash = p_head_hash WHERE audit_shards.shard = p_shard;
END
$fn$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION herald_append_audit_events(integer, bigint, text, jsonb)`);
    await q.query(
      `DROP FUNCTION herald_lock_audit_shard(integer, integer, integer, integer, boolean)`,
    );
    await q.query(`DROP FUNCTION herald_mark_sent(uuid[], timestamptz[], text[], text[])`);
  }
}
