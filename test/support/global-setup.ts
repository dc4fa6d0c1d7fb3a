import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { databaseUrl, dropRunDatabases, templateDatabase, withAdminClient } from './databases.js';

/** Builds this run's template database once by applying the real migrations. */
export default async function globalSetup(): Promise<void> {
  // Run ids sort by time: yyyymmddhhmmss plus random, so leftovers of old runs can be found. The
  // time is the database server's, not this process's: a run under a shifted clock (faketime)
  // must neither drop the databases of a run beside it nor leave its own looking new for a year.
  const stamp = await withAdminClient(async (c) => {
    const { rows } = await c.query<{ stamp: string }>(
      `SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISS') AS stamp`,
    );
    return rows[0].stamp;
  });
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
