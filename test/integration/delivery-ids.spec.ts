import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase } from '../support/databases.js';

// New deliveries get UUID version 7 ids (migration 1796600000000): 48 bits of the clock's Unix
// milliseconds, the version and variant, then random bits, so a fan-out page's rows and their
// later versions write the primary key's rightmost pages instead of random ones.
describe('delivery ids', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let client: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    client = new Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  async function insertDeliveries(count: number): Promise<string[]> {
    await client.query(`SET session_replication_role = replica`); // no notice rows needed
    try {
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO deliveries (notice_id, incident_id, tenant_id, channel, recipient, status, attempts,
                                 queued_at, notice_due_at)
         SELECT $1, $2, 't-' || i, 'email', 'a' || i || '@t.example', 'queued', 0, now(), now()
         FROM generate_series(1, $3) AS i
         RETURNING id`,
        [randomUUID(), randomUUID(), count],
      );
      return rows.map((r) => r.id);
    } finally {
      await client.query(`RESET session_replication_role`);
    }
  }

  it('are version 7, RFC 9562 variant, with the insert time in their first 48 bits', async () => {
    const before = Date.now();
    const ids = await insertDeliveries(500);
    const after = Date.now();
    expect(new Set(ids).size).toBe(500);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const ms = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
      // The database's clock is this machine's; a millisecond either side for rounding.
      expect(ms).toBeGreaterThanOrEqual(before - 1);
      expect(ms).toBeLessThanOrEqual(after + 1);
    }
  });

  it('sort in the order they were made, a millisecond apart or more', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      made.push(...(await insertDeliveries(1)));
      await new Promise((r) => setTimeout(r, 3));
    }
    // uuid's order in Postgres is its bytes' order: the timestamp's first.
    const { rows } = await client.query<{ id: string }>(
      `SELECT id::text FROM unnest($1::uuid[]) AS u(id) ORDER BY id`,
      [made],
    );
    expect(rows.map((r) => r.id)).toEqual(made);
  });

  it('keep random bits: ids made in the same millisecond differ after the timestamp', async () => {
    const { rows } = await client.query<{ id: string }>(
      `SELECT herald_uuid_v7()::text AS id FROM generate_series(1, 2000)`,
    );
    const tails = new Set(rows.map((r) => r.id.replace(/-/g, '').slice(12)));
    expect(tails.size).toBe(2000);
  });
});
