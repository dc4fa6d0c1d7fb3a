import { MigrationInterface, QueryRunner } from 'typeorm';

export class ShardedAuditLog1796200100000 implements MigrationInterface {
  name = 'ShardedAuditLog1796200100000';

  async up(q: QueryRunner): Promise<void> {
    // Events from now on carry their shard and the seq of the shard's previous event. The events
    // already stored stay as they are (format 1: shard null, one global chain).
    await q.query(`ALTER TABLE "audit_events" ADD "shard" integer`);
    await q.query(`ALTER TABLE "audit_events" ADD "prev_seq" bigint`);
    // Global seqs come from a sequence instead of max(seq) + 1 under a lock.
    await q.query(`CREATE SEQUENCE "audit_events_seq" AS bigint`);
    await q.query(
      `SELECT setval('audit_events_seq', COALESCE((SELECT max(seq) FROM audit_events), 0) + 1, false)`,
    );
    await q.query(`
      CREATE TABLE "audit_shards" (
        "shard" integer NOT NULL,
        "head_seq" bigint,
        "head_hash" text,
        CONSTRAINT "PK_audit_shards" PRIMARY KEY ("shard")
      )`);
    // Shard 0 is the format-1 chain: its head is committed by checkpoints like any other.
    await q.query(`
      INSERT INTO audit_shards (shard, head_seq, head_hash)
      SELECT 0, a.seq, a.hash FROM (SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1) a`);
    await q.query(`
      CREATE TABLE "audit_checkpoints" (
        "seq" bigint NOT NULL,
        "created_at" timestamptz NOT NULL,
        "root" text NOT NULL,
        "heads" jsonb NOT NULL,
        "prev_hash" text NOT NULL,
        "hash" text NOT NULL,
        "signature" text,
        CONSTRAINT "PK_audit_checkpoints" PRIMARY KEY ("seq")
      )`);
    await q.query(`
      CREATE TRIGGER "trg_audit_checkpoints_no_update_delete" BEFORE UPDATE OR DELETE ON "audit_checkpoints"
      FOR EACH ROW EXECUTE FUNCTION herald_audit_append_only()`);
    await q.query(`
      CREATE TRIGGER "trg_audit_checkpoints_no_truncate" BEFORE TRUNCATE ON "audit_checkpoints"
      FOR EACH STATEMENT EXECUTE FUNCTION herald_audit_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Format-2 events cannot be verified without their shard: refuse rather than lose that.
    const rows: Array<{ n: number }> = await q.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE shard IS NOT NULL`,
    );
    if (rows[0].n > 0)
      throw new Error(
        `cannot revert ShardedAuditLog: ${rows[0].n} audit events are in the sharded format and would no longer verify`,
      );
    await q.query(`DROP TABLE "audit_checkpoints"`);
    await q.query(`DROP TABLE "audit_shards"`);
    await q.query(`DROP SEQUENCE "audit_events_seq"`);
    await q.query(`ALTER TABLE "audit_events" DROP COLUMN "prev_seq"`);
    await q.query(`ALTER TABLE "audit_events" DROP COLUMN "shard"`);
  }
}
