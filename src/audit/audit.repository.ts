import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { LoggedEvent, ShardHead, StoredCheckpoint } from './domain/audit-shards.js';

// Only one process writes a checkpoint at a time (writers of events never take it).
const AUDIT_CHECKPOINT_LOCK = 7_245_003;

export interface AuditQuery {
  entityType?: string;
  entityId?: string;
  actor?: string;
  incidentId?: string;
  action?: string;
  from?: Date;
  to?: Date;
  afterSeq?: string;
  limit: number;
}

/** A shard row locked for the rest of the transaction, with its newest event (null if none). */
export interface LockedShard {
  shard: number;
  headSeq: string | null;
  headHash: string | null;
  /** The global seqs taken for the events to append, ascending. */
  seqs: string[];
}

const SELECT_COLUMNS = `a.seq::text AS "seq", a.id, to_char(a.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "occurredAt",
  a.actor, a.action, a.entity_type AS "entityType", a.entity_id AS "entityId", a.incident_id AS "incidentId", a.change,
  a.prev_hash AS "prevHash", a.hash, a.shard, a.prev_seq::text AS "prevSeq"`;

const CHECKPOINT_COLUMNS = `c.seq::text AS "seq", to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt",
  c.root, c.heads, c.prev_hash AS "prevHash", c.hash, c.signature`;

@Injectable()
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Locks one writable shard (1..shards) for the rest of the transaction: the preferred one if
   * free, else the first free one from a random start (SKIP LOCKED: writers never queue behind
   * each other while a shard is free), else waits for a random one. Takes `n` global seqs in the
   * same round trip, under the shard's lock, so a shard's seqs only grow.
   */
  async lockShard(
    manager: EntityManager,
    shards: number,
    preferred: number,
    n: number,
  ): Promise<LockedShard> {
    const start = Math.floor(Math.random() * shards);
    // herald_lock_audit_shard (migration 1796900000000), with a plan kept per connection.
    const lock = async (wait: boolean): Promise<LockedShard | undefined> =>
      (
        (await manager.query(`SELECT * FROM herald_lock_audit_shard($1, $2, $3, $4, $5)`, [
          n,
          shards,
          preferred,
          start,
          wait,
        ])) as LockedShard[]
      )[0];
    for (let pass = 0; pass < 2; pass++) {
      const free = await lock(false);
      if (free) return free;
      // None free: every shard is busy, or the rows do not exist yet (first append, or more shards).
      await manager.query(
        `INSERT INTO audit_shards (shard) SELECT g FROM generate_series(1, $1::int) g ON CONFLICT DO NOTHING`,
        [shards],
      );
    }
    const waited = await lock(true);
    if (!waited) throw new Error(`audit shard ${start + 1} does not exist`);
    return waited;
  }

  /**
   * Inserts a shard's new events and moves the shard's head to the last of them, in one call of
   * herald_append_audit_events (migration 1796900000000): the events go as one JSON array, the
   * same JSON each change's hash was computed over.
   */
  async insert(manager: EntityManager, events: LoggedEvent[], head: ShardHead): Promise<void> {
    await manager.query(`SELECT herald_append_audit_events($1, $2, $3, $4)`, [
      head.shard,
      head.seq,
      head.hash,
      JSON.stringify(events),
    ]);
  }

  /** Runs `work` in one read-only REPEATABLE READ snapshot: every page sees the same log. */
  snapshot<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      await manager.query('SET TRANSACTION READ ONLY');
      return work(manager);
    });
  }

  async page(manager: EntityManager, afterSeq: bigint, limit: number): Promise<LoggedEvent[]> {
    return manager.query(
      `SELECT ${SELECT_COLUMNS} FROM audit_events a WHERE a.seq > $1 ORDER BY a.seq LIMIT $2`,
      [afterSeq.toString(), limit],
    );
  }

  async eventsAt(manager: EntityManager, seqs: string[]): Promise<Map<string, LoggedEvent>> {
    const rows: LoggedEvent[] = await manager.query(
      `SELECT ${SELECT_COLUMNS} FROM audit_events a WHERE a.seq = ANY($1::bigint[])`,
      [seqs],
    );
    return new Map(rows.map((r) => [r.seq, r]));
  }

  async hashAt(manager: EntityManager, seq: bigint): Promise<string | null> {
    const rows: Array<{ hash: string }> = await manager.query(
      'SELECT hash FROM audit_events WHERE seq = $1',
      [seq.toString()],
    );
    return rows[0]?.hash ?? null;
  }

  async checkpointPage(
    manager: EntityManager,
    afterSeq: bigint,
    limit: number,
  ): Promise<StoredCheckpoint[]> {
    return manager.query(
      `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints c WHERE c.seq > $1 ORDER BY c.seq LIMIT $2`,
      [afterSeq.toString(), limit],
    );
  }

  async checkpointAt(manager: EntityManager, seq: bigint): Promise<StoredCheckpoint | null> {
    const rows: StoredCheckpoint[] = await manager.query(
      `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints c WHERE c.seq = $1`,
      [seq.toString()],
    );
    return rows[0] ?? null;
  }

  async countAfter(manager: EntityManager, seq: bigint): Promise<number> {
    const rows: Array<{ n: number }> = await manager.query(
      'SELECT count(*)::int AS n FROM audit_events WHERE seq > $1',
      [seq.toString()],
    );
    return rows[0].n;
  }

  /** Takes the checkpoint lock for the transaction if free; false when another process holds it. */
  async tryCheckpointLock(manager: EntityManager): Promise<boolean> {
    const rows: Array<{ ok: boolean }> = await manager.query(
      'SELECT pg_try_advisory_xact_lock($1) AS ok',
      [AUDIT_CHECKPOINT_LOCK],
    );
    return rows[0].ok;
  }

  async latestCheckpoint(manager: EntityManager): Promise<StoredCheckpoint | null> {
    const rows: StoredCheckpoint[] = await manager.query(
      `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints c ORDER BY c.seq DESC LIMIT 1`,
    );
    return rows[0] ?? null;
  }

  /** Every shard's newest committed event, shard 0 (the format-1 log) included. */
  async shardHeads(manager: EntityManager): Promise<ShardHead[]> {
    return manager.query(
      `SELECT s.shard, s.head_seq::text AS "seq", s.head_hash AS "hash" FROM audit_shards s
       WHERE s.head_seq IS NOT NULL ORDER BY s.shard`,
    );
  }

  async insertCheckpoint(manager: EntityManager, c: StoredCheckpoint): Promise<void> {
    await manager.query(
      `INSERT INTO audit_checkpoints (seq, created_at, root, heads, prev_hash, hash, signature)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7)`,
      [c.seq, c.createdAt, c.root, JSON.stringify(c.heads), c.prevHash, c.hash, c.signature],
    );
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async find(query: AuditQuery): Promise<LoggedEvent[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (query.entityType) add('a.entity_type = ?', query.entityType);
    if (query.entityId) add('a.entity_id = ?', query.entityId);
    if (query.actor) add('a.actor = ?', query.actor);
    if (query.incidentId) add('a.incident_id = ?', query.incidentId);
    if (query.action) add('a.action = ?', query.action);
    if (query.from) add('a.occurred_at >= ?', query.from);
    if (query.to) add('a.occurred_at < ?', query.to);
    if (query.afterSeq) add('a.seq > ?', query.afterSeq);
    params.push(query.limit);
    return this.dataSource.query(
      `SELECT ${SELECT_COLUMNS} FROM audit_events a ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY a.seq LIMIT $${params.length}`,
      params,
    );
  }
}
