import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/app-config.js';
import { dataSourceOptions } from '../src/database/data-source-options.js';

// Applies every migration to a scratch database, then asks TypeORM what it would still change
// to match the entities. Anything at all means entities and migrations have drifted apart.
async function main(): Promise<void> {
  const base = new URL(loadConfig().get('DATABASE_URL'));
  const name = `herald_drift_${randomBytes(4).toString('hex')}`;
  const admin = new URL(base);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`CREATE DATABASE "${name}"`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const ds = new DataSource(dataSourceOptions(url.toString(), { logging: false }));
  let pending: string[] = [];
  try {
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
    const sql = await ds.driver.createSchemaBuilder().log();
    pending = sql.upQueries.map((q) => q.query);
    // Revert everything too: every down() must work.
    for (let i = 0; i < ds.migrations.length; i++)
      await ds.undoLastMigration({ transaction: 'each' });
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.end();
  }
  if (pending.length > 0) {
    process.stderr.write(
      `Entities and migrations have drifted apart; a migration would need:\n${pending.map((q) => `  ${q};`).join('\n')}\n`,
    );
    process.exit(1);
  }
  process.stdout.write(
    `migrations match the entities (${ds.migrations.length} migrations applied and reverted)\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(
    `migration check failed: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
