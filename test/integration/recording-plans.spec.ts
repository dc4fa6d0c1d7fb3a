import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase } from '../support/databases.js';
import { withPlans } from '../support/inspect.js';

// The recorder's functions (migration 1796900000000) keep one plan per connection, made at the
// connection's first call. Made while the claim index was tiny beside the primary key (few
// deliveries queued, many sent), the plan looked each id up by a whole walk of the claim index
// (its third column is the id), and kept doing so as the backlog grew: it must use the primary key.
describe('the recorder’s functions', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let client: Client;
  let writer: Client;
  const ROWS = 20_000;

  // Rows as wide as Herald's: sent ones carry their message id and content hash.
  const insert = (status: string, from: number, to: number) =>
    writer.query(
      `INSERT INTO deliveries (notice_id, incident_id, tenant_id, channel, recipient, status, attempts,
                               queued_at, notice_due_at, sent_at, message_id, content_sha256, met_deadline)
       SELECT $1, $2, 'tenant-' || lpad(i::text, 7, '0'), 'email', 'security-team-' || i || '@tenant-' || i || '.example',
              $5, 1, now(), now() + interval '1 hour', s.at, '<' || md5(i::text) || '@herald.example>',
              CASE WHEN s.at IS NOT NULL THEN md5(i::text) || md5(i::text) END, s.at IS NOT NULL
       FROM generate_series($3::int, $4::int) AS i
       CROSS JOIN LATERAL (SELECT CASE WHEN $5 = 'sent' THEN now() END AS at) s`,
      [randomUUID(), randomUUID(), from, to, status],
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    client = new Client({ connectionString: db.url });
    writer = new Client({ connectionString: db.url });
    await client.connect();
    await writer.connect();
    await writer.query(`ALTER TABLE deliveries SET (autovacuum_enabled = false)`);
    // The rows are written on another connection: setting session_replication_role (no notice
    // rows needed) would make this one plan again.
    await writer.query(`SET session_replication_role = replica`);
    // An earlier incident's deliveries, all sent, never analyzed: the claim index is empty beside
    // the primary key. The connection's first call makes its plan.
    await insert('sent', 1, ROWS);
    await client.query(`SELECT * FROM herald_mark_sent($1, $2, $3, $4)`, [
      [randomUUID()],
      [new Date()],
      ['<m@herald.local>'],
      ['0'.repeat(64)],
    ]);
    // Then the next incident's backlog is queued.
    await insert('queued', ROWS + 1, 2 * ROWS);
  });
  afterAll(async () => {
    await writer.end();
    await client.end();
    await db.drop();
  });

  it('should mark deliveries sent by their primary key, not by a walk of the claim index', async () => {
    const { rows: picked } = await client.query<{ id: string }>(
      `SELECT id FROM deliveries WHERE status = 'queued' ORDER BY tenant_id LIMIT 3`,
    );
    const ids = picked.map((r) => r.id);
    const { rows, plans } = await withPlans<{ deliveryId: string }>(
      client,
      `SELECT * FROM herald_mark_sent($1, $2, $3, $4)`,
      [
        ids,
        ids.map(() => new Date()),
        ids.map((_, i) => `<m${i}@herald.local>`),
        ids.map(() => '0'.repeat(64)),
      ],
    );
    expect(rows.map((r) => r.deliveryId).sort()).toEqual([...ids].sort());
    const update = plans.find((p) => p.includes('Update on deliveries'));
    expect(update).toBeDefined();
    expect(update).toContain('Index Scan using "PK_deliveries" on deliveries d');
    expect(update).not.toMatch(
      /idx_deliveries_claim|idx_deliveries_webhook_claim|Seq Scan|Hash Join|Bitmap/,
    );
  });

  // herald_lock_audit_shard: SKIP LOCKED passes a busy shard by; with p_wait it waits for it, and
  // takes its seqs only once it holds it.
  it('should pass a busy audit shard by, or wait for it when asked to', async () => {
    await client.query(
      `INSERT INTO audit_shards (shard) SELECT g FROM generate_series(1, 2) g ON CONFLICT DO NOTHING`,
    );
    const lockShard = (c: Client, wait: boolean) =>
      c.query<{ shard: number; seqs: string[] }>(
        `SELECT * FROM herald_lock_audit_shard(2, 1, 1, 0, $1)`,
        [wait],
      );
    await client.query('BEGIN');
    const held = await lockShard(client, false);
    expect(held.rows.map((r) => r.shard)).toEqual([1]);
    await writer.query('BEGIN');
    try {
      expect((await lockShard(writer, false)).rows).toEqual([]);
      let waited = false;
      const waiting = lockShard(writer, true).then((r) => ((waited = true), r));
      await new Promise((r) => setTimeout(r, 200));
      expect(waited).toBe(false);
      await client.query('COMMIT');
      const { rows } = await waiting;
      expect(rows.map((r) => r.shard)).toEqual([1]);
      expect(rows[0].seqs.map(Number)[0]).toBeGreaterThan(
        Math.max(...held.rows[0].seqs.map(Number)),
      );
    } finally {
      await writer.query('ROLLBACK');
    }
  });
});
