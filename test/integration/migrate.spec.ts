import { Client } from 'pg';
import { MIGRATIONS } from '../../migrations/index.js';
import { runMigrations } from '../../src/database/migrate.js';
import { databaseUrl, runId, withAdminClient } from '../support/databases.js';

describe('migrations at start', () => {
  const name = `herald_test_${runId()}_migrate`;
  const url = databaseUrl(name);

  beforeAll(async () => {
    await withAdminClient((c) => c.query(`CREATE DATABASE "${name}"`));
  });
  afterAll(async () => {
    await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  });

  it('should apply every migration exactly once when several processes start at the same time', async () => {
    const results = await Promise.all([runMigrations(url), runMigrations(url), runMigrations(url)]);
    const applied = results.flat();
    expect(applied).toHaveLength(MIGRATIONS.length);
    expect(results.filter((r) => r.length > 0)).toHaveLength(1);
    const client = new Client({ connectionString: url });
    await client.connect();
    const rows = await client.query<{ name: string }>('SELECT name FROM migrations ORDER BY id');
    await client.end();
    expect(rows.rows.map((r) => r.name)).toEqual(MIGRATIONS.map((m) => new m().name));
    expect(await runMigrations(url)).toEqual([]);
  });
});
