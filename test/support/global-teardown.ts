import { TEMPLATE_DATABASE, withAdminClient } from './databases.js';

export default async function globalTeardown(): Promise<void> {
  await withAdminClient(async (c) => {
    const rows = await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'herald\\_test\\_%' AND datname <> $1`, [TEMPLATE_DATABASE]);
    for (const row of rows.rows) await c.query(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`);
  });
}
