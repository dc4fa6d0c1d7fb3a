import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The server the tests use; each test file gets its own database copied from a migrated template. */
export const ADMIN_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** One id per jest run (set by globalSetup), so that runs side by side never touch each other's databases. */
export function runId(): string {
  const id = process.env.HERALD_TEST_RUN;
  if (!id)
    throw new Error(
      'HERALD_TEST_RUN is not set: run the integration tests through jest (globalSetup sets it)',
    );
  return id;
}

export const templateDatabase = () => `herald_test_${runId()}_template`;

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withAdminClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh database with every migration applied (copied from the run's template in milliseconds). */
export async function createTestDatabase(): Promise<{
  name: string;
  url: string;
  drop: () => Promise<void>;
}> {
  const name = `herald_test_${runId()}_${randomBytes(5).toString('hex')}`;
  await withAdminClient((c) =>
    c.query(`CREATE DATABASE "${name}" TEMPLATE "${templateDatabase()}"`),
  );
  return {
    name,
    url: databaseUrl(name),
    drop: () =>
      withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}

/** Drops every database of this run (the teardown), or of a run older than a day. */
export async function dropRunDatabases(id: string): Promise<void> {
  await withAdminClient(async (c) => {
    const rows = await c.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1`,
      [`herald\\_test\\_${id}\\_%`],
    );
    for (const row of rows.rows.sort(
      (a, b) =>
        (a.datname.endsWith('_template') ? 1 : 0) - (b.datname.endsWith('_template') ? 1 : 0),
    )) {
      await c.query(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`);
    }
  });
}
