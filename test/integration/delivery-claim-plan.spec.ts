import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase } from '../support/databases.js';
import { withPlans } from '../support/inspect.js';

// The sender's claim (herald_claim_deliveries, migration 1796400000000) must walk the claim index
// in deadline order and stop after the rows it takes, even when the table's statistics were
// gathered before the fan-out queued its deliveries: as a plain statement, Postgres then planned a
// bitmap scan and a sort of every queued row for each claim.
describe('claiming deliveries with stale statistics', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let client: Client;
  const QUEUED = 20_000;

  beforeAll(async () => {
    db = await createTestDatabase();
    client = new Client({ connectionString: db.url });
    await client.connect();
    await client.query(`ALTER TABLE deliveries SET (autovacuum_enabled = false)`);
    await client.query(`ALTER TABLE webhook_messages SET (autovacuum_enabled = false)`);
    // Statistics of empty tables, as after a quiet week; then a fan-out queues 20,000 (deadlines
    // in milliseconds, as Herald writes them).
    await client.query(`ANALYZE deliveries`);
    await client.query(`ANALYZE webhook_messages`);
    await client.query(`SET session_replication_role = replica`); // no notice rows needed
    await client.query(
      `INSERT INTO deliveries (notice_id, incident_id, tenant_id, channel, recipient, status, attempts,
                               queued_at, notice_due_at)
       SELECT $1, $2, 't-' || lpad(i::text, 6, '0'), CASE WHEN i % 10 = 0 THEN 'webhook' ELSE 'email' END,
              'a' || i || '@t.example', 'queued', 0, now(),
              date_trunc('milliseconds', now()) + ((i * 7919) % $3) * interval '1 second'
       FROM generate_series(1, $3) AS i`,
      [randomUUID(), randomUUID(), QUEUED],
    );
    await client.query(
      `INSERT INTO webhook_messages (endpoint_id, tenant_id, event, body, status, created_at)
       SELECT $1, 't-' || i, 'contacts.verification_needed', '{}', 'queued',
              now() - ((i * 7919) % $2) * interval '1 second'
       FROM generate_series(1, $2) AS i`,
      [randomUUID(), QUEUED],
    );
    await client.query(`RESET session_replication_role`);
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  async function claimWithPlan(
    claim: string,
    params: unknown[],
  ): Promise<{ ids: string[]; plans: string[] }> {
    const { rows, plans } = await withPlans<{ id: string }>(client, claim, params);
    return { ids: rows.map((r) => r.id), plans };
  }

  async function earliest(webhook: boolean): Promise<string[]> {
    const { rows } = await client.query<{ id: string }>(
      `SELECT id FROM deliveries WHERE status = 'queued' AND (channel = 'webhook') = $1
       ORDER BY notice_due_at, tenant_id, id LIMIT 20`,
      [webhook],
    );
    return rows.map((r) => r.id);
  }

  it.each([
    ['email and dashboard', false, 'idx_deliveries_claim'],
    ['webhook', true, 'idx_deliveries_webhook_claim'],
  ])(
    'should take the earliest deadlines (%s) by an ordered walk of its index, not a sort of the backlog',
    async (_name, webhook, index) => {
      const { ids, plans } = await claimWithPlan(
        `SELECT id FROM herald_claim_deliveries(now(), now() + interval '1 minute', 20, $1)`,
        [webhook],
      );
      expect(ids).toEqual(await earliest(webhook));
      const claim = plans.find((p) => p.includes('FOR UPDATE SKIP LOCKED'));
      expect(claim).toBeDefined();
      expect(claim).toContain(`Index Scan using ${index} on deliveries dd`);
      expect(claim).not.toMatch(/Bitmap|Seq Scan on deliveries/);
      expect(claim).not.toContain('Sort Key: dd.notice_due_at');
    },
  );

  it('should start the walk after a given delivery, by an index condition, when asked to', async () => {
    const [tenth] = (await earliest(false)).slice(9, 10);
    const { rows: pos } = await client.query<{ d: Date; t: string }>(
      `SELECT notice_due_at AS d, tenant_id AS t FROM deliveries WHERE id = $1`,
      [tenth],
    );
    const { ids, plans } = await claimWithPlan(
      `SELECT id FROM herald_claim_deliveries(now(), now() + interval '1 minute', 5, false, $1, $2, $3)`,
      [pos[0].d, pos[0].t, tenth],
    );
    expect(ids).toEqual((await earliest(false)).slice(10, 15));
    const claim = plans.find((p) => p.includes('FOR UPDATE SKIP LOCKED'));
    expect(claim).toContain('Index Scan using idx_deliveries_claim on deliveries dd');
    expect(claim).toMatch(/Index Cond: \(ROW\(notice_due_at, tenant_id, id\) > ROW\(/);
  });

  // Migration 1796700000000: the fan-out's pages keep room for the claim's row version, which
  // changes no indexed column, so a claim adds no index entries (a heap-only update).
  it('should claim without adding index entries: each claimed row is a heap-only update', async () => {
    // The backend's counters not yet flushed to the shared statistics (earlier transactions'
    // included, so compare before and after).
    const counters = async () =>
      (
        await client.query<{ upd: number; hot: number }>(
          `SELECT n_tup_upd::int AS upd, n_tup_hot_upd::int AS hot
             FROM pg_stat_xact_user_tables WHERE relname = 'deliveries'`,
        )
      ).rows[0];
    await client.query('BEGIN');
    try {
      const before = await counters();
      const { rows } = await client.query<{ id: string }>(
        `SELECT id FROM herald_claim_deliveries(now(), now() + interval '1 minute', 500, false)`,
      );
      expect(rows).toHaveLength(500);
      const after = await counters();
      expect({ upd: after.upd - before.upd, hot: after.hot - before.hot }).toEqual({
        upd: 500,
        hot: 500,
      });
    } finally {
      await client.query('ROLLBACK');
    }
  });

  // Here the plain statement happened to be planned well too (the outbox has no other index to
  // tempt the planner); the function keeps it so as the table grows more of them.
  it('should take the oldest webhook events by an ordered walk of their index', async () => {
    const { ids, plans } = await claimWithPlan(
      `SELECT id FROM herald_claim_webhook_messages(now(), now() + interval '1 minute', 20)`,
      [],
    );
    const { rows } = await client.query<{ id: string }>(
      `SELECT id FROM webhook_messages WHERE status = 'queued' ORDER BY created_at, id LIMIT 20`,
    );
    expect(ids).toEqual(rows.map((r) => r.id));
    const claim = plans.find((p) => p.includes('FOR UPDATE SKIP LOCKED'));
    expect(claim).toContain('Index Scan using idx_webhook_messages_claim on webhook_messages mm');
    expect(claim).not.toMatch(/Bitmap|Seq Scan on webhook_messages/);
  });
});
