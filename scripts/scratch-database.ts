import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A database of its own beside DATABASE_URL's, for a script's run; drop() removes it. */
export async function createScratchDatabase(
  databaseUrl: string,
  purpose: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `herald_${purpose}_${randomBytes(4).toString('hex')}`;
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`CREATE DATABASE "${name}"`);
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}
