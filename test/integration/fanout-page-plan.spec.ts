import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase } from '../support/databases.js';
import { withPlans } from '../support/inspect.js';

// A fan-out page (herald_fanout_page, migration 1796800000000) must walk the incident's tenants
// in deadline order and stop after its page, even when incident_tenants' statistics were gathered
// before the incident's resolution wrote them: as a plain statement, Postgres then planned a
// bitmap scan of every affected tenant, a join of each to the directory and a sort, per page.
describe('a fan-out page with stale statistics', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let client: Client;
  const TENANTS = 20_000;
  const PAGE = 1_000;
  const incidentId = randomUUID();

  beforeAll(async () => {
    db = await createTestDatabase();
    client = new Client({ connectionString: db.url });
    await client.connect();
    await client.query(`ALTER TABLE incident_tenants SET (autovacuum_enabled = false)`);
    await client.query(`ALTER TABLE tenants SET (autovacuum_enabled = false)`);
    await client.query(`ANALYZE incident_tenants`);
    await client.query(`ANALYZE tenants`);
    await client.query(`SET session_replication_role = replica`); // no incident row needed
    await client.query(
      `INSERT INTO tenants (id, name, locale, time_zone, countries, country_match, data_regions, services,
                            industries, flags, contacts)
       SELECT 't-' || lpad(i::text, 6, '0'), 'Tenant ' || i, 'en', 'UTC', '{}', '{}', '{}', '{}', '{}', '{}', '[]'
       FROM generate_series(1, $1) AS i WHERE i % 100 <> 0`,
      [TENANTS],
    );
    // Deadlines in microseconds, many shared (ties go by tenant id); every hundredth tenant is
    // gone from the directory.
    await client.query(
      `INSERT INTO incident_tenants (incident_id, tenant_id, notice_due_at, obligations, rules_version,
                                     scope_generation, resolved_at)
       SELECT $1, 't-' || lpad(i::text, 6, '0'),
              timestamptz '2026-12-03 10:00:00Z' + ((i * 7919) % 997) * interval '1.000001 second',
              '[]', 'r1', 1, now()
       FROM generate_series(1, $2) AS i`,
      [incidentId, TENANTS],
    );
    await client.query(`RESET session_replication_role`);
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  async function expected(offset: number): Promise<string[]> {
    const { rows } = await client.query<{ tenant_id: string }>(
      `SELECT tenant_id FROM incident_tenants WHERE incident_id = $1
       ORDER BY notice_due_at, tenant_id OFFSET $2 LIMIT $3`,
      [incidentId, offset, PAGE],
    );
    return rows.map((r) => r.tenant_id);
  }

  it('should be planned badly as a plain statement (the statistics are stale)', async () => {
    const { plans } = await withPlans(
      client,
      `SELECT it.tenant_id, t.name FROM incident_tenants it LEFT JOIN tenants t ON t.id = it.tenant_id
       WHERE it.incident_id = $1 ORDER BY it.notice_due_at, it.tenant_id LIMIT $2`,
      [incidentId, PAGE],
    );
    expect(plans.join('\n')).toMatch(
      /Bitmap Heap Scan on incident_tenants|Sort Key: it.notice_due_at/,
    );
  });

  it.each([
    ['the first page', 0],
    ['a page after a key', 7 * PAGE],
  ])(
    'should give %s by an ordered walk of the index, joining only its own tenants',
    async (_name, offset) => {
      let after: { due: string | null; tenant: string | null } = { due: null, tenant: null };
      if (offset > 0) {
        const { rows } = await client.query<{ d: string; t: string }>(
          `SELECT notice_due_at::text AS d, tenant_id AS t FROM incident_tenants WHERE incident_id = $1
           ORDER BY notice_due_at, tenant_id OFFSET $2 LIMIT 1`,
          [incidentId, offset - 1],
        );
        after = { due: rows[0].d, tenant: rows[0].t };
      }
      const { rows, plans } = await withPlans<{ tenantId: string; name: string | null }>(
        client,
        `SELECT * FROM herald_fanout_page($1, $2, $3, $4)`,
        [incidentId, PAGE, after.due, after.tenant],
      );
      expect(rows.map((r) => r.tenantId)).toEqual(await expected(offset));
      // A tenant gone from the directory comes with no render facts.
      expect(rows.filter((r) => r.name === null).map((r) => r.tenantId)).toEqual(
        rows.map((r) => r.tenantId).filter((id) => Number(id.slice(2)) % 100 === 0),
      );
      const page = plans.find((p) => p.includes('FROM incident_tenants i'));
      expect(page).toBeDefined();
      expect(page).toContain(
        'Index Scan using idx_incident_tenants_due_tenant on incident_tenants i',
      );
      expect(page).not.toMatch(/Bitmap|Seq Scan|Sort Key: i\.notice_due_at/);
      // The join is above the page's limit: it reads the directory for the page's tenants only.
      expect(page).toMatch(
        /Join[\s\S]*Limit[\s\S]*Index Scan using idx_incident_tenants_due_tenant/,
      );
      if (offset > 0)
        expect(page).toMatch(
          /Index Cond: \(\(incident_id = .*\) AND \(ROW\(notice_due_at, tenant_id\) > ROW\(/,
        );
    },
  );
});
