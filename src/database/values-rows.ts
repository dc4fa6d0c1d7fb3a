/**
 * A multi-row INSERT's VALUES list, one row of parameters per record: `rowsOf([[a, b], [c, d]])`
 * is `{ sql: '($1, $2), ($3, $4)', params: [a, b, c, d] }`, numbered from `first`.
 *
 * Preferred over `unnest($1::text[], …)` for long text: as an array element every character of
 * a value is escaped by pg and parsed back by Postgres (`array_in`), which for notice bodies
 * cost 18% of the machine's CPU per email (docs/benchmarks.md, session 6); a plain parameter is
 * passed through untouched. Postgres takes at most 65,535 parameters per statement: callers
 * split their rows with `rowChunks`.
 */
export function rowsOf(
  rows: readonly (readonly unknown[])[],
  first = 1,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const tuples: string[] = [];
  for (const row of rows) {
    const start = first + params.length;
    tuples.push(`(${row.map((_, i) => `$${start + i}`).join(', ')})`);
    params.push(...row);
  }
  return { sql: tuples.join(', '), params };
}

/** Postgres's limit on the parameters of one statement. */
export const MAX_PARAMETERS = 65_535;

/**
 * `rows` in slices of as many rows as one statement takes at `columns` parameters a row, with
 * `others` parameters of its own besides (none when `rows` is empty).
 */
export function rowChunks<T>(rows: readonly T[], columns: number, others = 0): T[][] {
  const size = Math.floor((MAX_PARAMETERS - others) / columns);
  const chunks: T[][] = [];
  for (let i = 0; i < rows.length; i += size) chunks.push(rows.slice(i, i + size));
  return chunks;
}
