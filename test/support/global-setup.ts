import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { databaseUrl, dropRunDatabases, templateDatabase, withAdminClient } from './databases.js';

/** Builds this run's template database once by applying the real migrations. */
export default async function globalSetup(): Promise<void> {
  // Run ids sort by time: yyyymmddhhmmss plus random, so leftovers of old runs can be found.
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  process.env.HERALD_TEST_RUN = `${stamp}${Math.random().toString(36).slice(2, 6)}`;
  await dropStaleRuns(stamp);
  await withAdminClient((c) => c.query(`CREATE DATABASE "${templateDatabase()}"`));
  const ds = new DataSource(
    dataSourceOptions(databaseUrl(templateDatabase()), { logging: ['error'] }),
  );
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
}

/** Databases of runs that started over a day ago (a killed run leaves them behind). */
async function dropStaleRuns(now: string): Promise<void> {
  const dayAgo = String(Number(now.slice(0, 8)) - 1);
  const rows = await withAdminClient((c) =>
    c.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'herald\\_test\\_%'`,
    ),
  );
  const stale = new Set(
    rows.rows.map((r) => r.datname.split('_')[2]).filter((id) => id && id.slice(0, 8) < dayAgo),
  );
  for (const id of stale) await dropRunDatabases(id);
}
