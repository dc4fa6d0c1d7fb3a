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

/**
 * Runs one statement in a transaction that is rolled back, with auto_explain reporting the plan
 * of every statement it runs (those inside a function included) as messages to the client.
 */
export async function withPlans<R extends Record<string, unknown>>(
  client: Client,
  sql: string,
  params: unknown[],
): Promise<{ rows: R[]; plans: string[] }> {
  const plans: string[] = [];
  const onNotice = (n: { message?: string }) => plans.push(n.message ?? '');
  client.on('notice', onNotice);
  await client.query('BEGIN');
  try {
    await client.query(`LOAD 'auto_explain'`);
    await client.query(`SET LOCAL auto_explain.log_min_duration = 0`);
    await client.query(`SET LOCAL auto_explain.log_nested_statements = on`);
    await client.query(`SET LOCAL client_min_messages = log`);
    const { rows } = await client.query<R>(sql, params);
    return { rows, plans };
  } finally {
    await client.query('ROLLBACK');
    client.off('notice', onNotice);
  }
}
