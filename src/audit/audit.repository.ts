import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { StoredEvent } from './domain/audit-chain.js';

// One lock id for the whole chain: appends are serialized, reads are not.
const AUDIT_CHAIN_LOCK = 7_245_001;

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

const SELECT_COLUMNS = `seq::text AS "seq", id, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "occurredAt",
  actor, action, entity_type AS "entityType", entity_id AS "entityId", incident_id AS "incidentId", change,
  prev_hash AS "prevHash", hash`;

@Injectable()
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Takes the chain lock for the rest of the transaction and returns the head. */
  async lockHead(manager: EntityManager): Promise<{ seq: bigint; hash: string } | null> {
    await manager.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK]);
    const rows: Array<{ seq: string; hash: string }> = await manager.query(
      // Qualified: a bare "seq" in ORDER BY would sort the text alias, putting 9 after 10.
      'SELECT a.seq::text AS seq, a.hash FROM audit_events a ORDER BY a.seq DESC LIMIT 1',
    );
    return rows.length ? { seq: BigInt(rows[0].seq), hash: rows[0].hash } : null;
  }

  async insert(manager: EntityManager, events: StoredEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += 1000) {
      const chunk = events.slice(i, i + 1000);
      await manager.query(
        `INSERT INTO audit_events (seq, id, occurred_at, actor, action, entity_type, entity_id, incident_id, change, prev_hash, hash)
         SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::uuid[], $9::jsonb[], $10::text[], $11::text[])`,
        [
          chunk.map((e) => e.seq),
          chunk.map((e) => e.id),
          chunk.map((e) => e.occurredAt),
          chunk.map((e) => e.actor),
          chunk.map((e) => e.action),
          chunk.map((e) => e.entityType),
          chunk.map((e) => e.entityId),
          chunk.map((e) => e.incidentId),
          chunk.map((e) => JSON.stringify(e.change)),
          chunk.map((e) => e.prevHash),
          chunk.map((e) => e.hash),
        ],
      );
    }
  }

  async page(afterSeq: bigint, limit: number): Promise<StoredEvent[]> {
    return this.dataSource.query(
      `SELECT ${SELECT_COLUMNS} FROM audit_events a WHERE a.seq > $1 ORDER BY a.seq LIMIT $2`,
      [afterSeq.toString(), limit],
    );
  }

  async hashAt(seq: bigint): Promise<string | null> {
    const rows: Array<{ hash: string }> = await this.dataSource.query(
      'SELECT hash FROM audit_events WHERE seq = $1',
      [seq.toString()],
    );
    return rows[0]?.hash ?? null;
  }

  async find(query: AuditQuery): Promise<StoredEvent[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (query.entityType) add('entity_type = ?', query.entityType);
    if (query.entityId) add('entity_id = ?', query.entityId);
    if (query.actor) add('actor = ?', query.actor);
    if (query.incidentId) add('incident_id = ?', query.incidentId);
    if (query.action) add('action = ?', query.action);
    if (query.from) add('occurred_at >= ?', query.from);
    if (query.to) add('occurred_at < ?', query.to);
    if (query.afterSeq) add('seq > ?', query.afterSeq);
    params.push(query.limit);
    return this.dataSource.query(
      `SELECT ${SELECT_COLUMNS} FROM audit_events ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY audit_events.seq LIMIT $${params.length}`,
      params,
    );
  }
}
