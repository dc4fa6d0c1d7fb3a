import { Client } from 'pg';
import type { Response } from 'supertest';

/** The `errors[].path` of a problem+json response, in the order the API gave them. */
export function errorPaths(res: Response): string[] {
  const errors = (res.body as { errors?: Array<{ path: string }> }).errors;
  if (!Array.isArray(errors))
    throw new Error(`no errors[] in ${res.status} ${JSON.stringify(res.body)}`);
  return errors.map((e) => e.path);
}

/** Runs SQL against a test app's own database: for checking what was (not) stored. */
export async function query<R>(
  target: { databaseUrl: string },
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new Client({ connectionString: target.databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as R[];
  } finally {
    await client.end();
  }
}

export async function queryOne<R>(
  target: { databaseUrl: string },
  sql: string,
  params: unknown[] = [],
): Promise<R> {
  const rows = await query<R>(target, sql, params);
  if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}: ${sql}`);
  return rows[0];
}
