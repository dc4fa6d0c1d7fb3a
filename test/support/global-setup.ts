import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { databaseUrl, TEMPLATE_DATABASE, withAdminClient } from './databases.js';

/** Builds the template database once per run by applying the real migrations. */
export default async function globalSetup(): Promise<void> {
  await withAdminClient(async (c) => {
    const stale = await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'herald\\_test\\_%' AND datname <> $1`, [TEMPLATE_DATABASE]);
    for (const row of stale.rows) await c.query(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`);
    await c.query(`DROP DATABASE IF EXISTS "${TEMPLATE_DATABASE}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${TEMPLATE_DATABASE}"`);
  });
  const ds = new DataSource(dataSourceOptions(databaseUrl(TEMPLATE_DATABASE), { logging: ['error'] }));
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
}
