import { Client } from 'pg';

/** A second pg connection, as a database superuser would open one by hand. */
export async function withClient<T>(
  databaseUrl: string,
  work: (c: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Runs SQL with triggers disabled (session_replication_role = replica), as a superuser could. */
export function asSuperuserWithoutTriggers(
  databaseUrl: string,
  sql: string | string[],
  params: unknown[] = [],
): Promise<void> {
  return withClient(databaseUrl, async (c) => {
    await c.query('SET session_replication_role = replica');
    for (const statement of Array.isArray(sql) ? sql : [sql]) await c.query(statement, params);
  });
}

export type AuditRow = Record<string, unknown>;

export function auditRows(databaseUrl: string, where = 'TRUE', params: unknown[] = []) {
  return withClient(
    databaseUrl,
    async (c) =>
      (await c.query(`SELECT * FROM audit_events WHERE ${where} ORDER BY seq`, params))
        .rows as AuditRow[],
  );
}

/** Puts deleted events back exactly as they were stored (an INSERT, which the trigger allows). */
export function restoreRows(databaseUrl: string, rows: AuditRow[]): Promise<void> {
  return withClient(databaseUrl, async (c) => {
    for (const row of rows)
      await c.query(
        `INSERT INTO audit_events (seq, id, occurred_at, actor, action, entity_type, entity_id, incident_id, change, prev_hash, hash, shard, prev_seq)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12, $13)`,
        [
          row.seq,
          row.id,
          row.occurred_at,
          row.actor,
          row.action,
          row.entity_type,
          row.entity_id,
          row.incident_id,
          JSON.stringify(row.change),
          row.prev_hash,
          row.hash,
          row.shard,
          row.prev_seq,
        ],
      );
  });
}
