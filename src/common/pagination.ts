import { z } from 'zod';
import { invalid } from './errors.js';
import { isSafeLine, parseOrThrow } from './validation.js';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const limitSchema = z.coerce
  .number()
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(1000, 'must be at most 1000')
  .default(100);

/** Opaque cursors: base64url JSON of the last row's sort key. */
export function encodeCursor(key: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor<T extends z.ZodType>(
  cursor: string | undefined,
  shape: T,
): z.output<T> | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // Whatever a list's shape allows, a cursor it made never holds a NUL, control character or
    // lone surrogate: those only fail later in Postgres (a 500).
    const values = parsed !== null && typeof parsed === 'object' ? Object.values(parsed) : [];
    const result = shape.safeParse(parsed);
    if (result.success && values.every((v) => typeof v !== 'string' || isSafeLine(v)))
      return result.data;
  } catch {
    // falls through to the 400
  }
  throw invalid([{ path: 'cursor', message: 'is not a cursor this list returned' }]);
}

/** Parses a list's query string with its own schema; unknown parameters are a 400. */
export function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.output<T> {
  return parseOrThrow(schema, query ?? {});
}

/** A list's `from` / `to` query (ISO-8601, already validated) as the half-open window [from, to). */
export function timeWindow(q: { from?: string; to?: string }): {
  from: Date | undefined;
  to: Date | undefined;
} {
  return {
    from: q.from ? new Date(q.from) : undefined,
    to: q.to ? new Date(q.to) : undefined,
  };
}

/** Builds the page from limit+1 fetched rows. */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  view: (row: R) => T,
  key: (row: R) => Record<string, string | number>,
): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  return {
    items: items.map(view),
    nextCursor: more ? encodeCursor(key(items[items.length - 1])) : null,
  };
}
