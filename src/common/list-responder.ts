import type { Response } from 'express';
import { streamCsv, wantsCsv } from './csv.js';

export type CsvCell = string | number | boolean | null;

/** A list as CSV: every matching row, read page by page and streamed. */
export interface CsvListing<R> {
  filename: string;
  columns: readonly string[];
  pages: AsyncIterable<R[]>;
  toRecord: (row: R) => CsvCell[];
}

/**
 * The one way a list endpoint answers. With `Accept: text/csv` it streams every matching row
 * (no paging) and resolves to undefined, the response being written; otherwise it resolves to
 * the JSON page, which Nest sends (handlers take `@Res({ passthrough: true })`).
 */
export async function respondWithList<J, R>(
  accept: string | undefined,
  res: Response,
  list: { json: () => Promise<J>; csv: () => CsvListing<R> | Promise<CsvListing<R>> },
): Promise<J | undefined> {
  if (!wantsCsv(accept)) return list.json();
  await streamListing(res, await list.csv());
  return undefined;
}

/** Streams the listing as the whole response (an export link that is always CSV). */
export function streamListing<R>(res: Response, csv: CsvListing<R>): Promise<void> {
  return streamCsv(res, csv.filename, [...csv.columns], csv.pages, csv.toRecord);
}

/**
 * Every row of a keyset-paged query, `pageSize` at a time: `fetch(after)` returns the rows after
 * the key (`undefined`: from the start), `keyOf` the key of a page's last row.
 */
export async function* keysetPages<R, K>(
  fetch: (after: K | undefined, limit: number) => Promise<R[]>,
  pageSize: number,
  keyOf: (last: R) => K,
): AsyncIterable<R[]> {
  for (let after: K | undefined; ;) {
    const rows = await fetch(after, pageSize);
    yield rows;
    if (rows.length < pageSize) return;
    after = keyOf(rows[rows.length - 1]);
  }
}
