import { stringify } from 'csv-stringify/sync';
import type { Response } from 'express';

/** Writes rows as CSV page by page, honouring backpressure: memory stays flat however many rows. */
// csv-stringify writes false as an empty cell, the same as null: spell booleans out.
const CSV_OPTIONS = { cast: { boolean: (value: boolean) => (value ? 'true' : 'false') } };

export async function streamCsv<R>(
  res: Response,
  filename: string,
  columns: string[],
  pages: AsyncIterable<R[]>,
  toRecord: (row: R) => Array<string | number | boolean | null>,
): Promise<void> {
  // The first page is read before the 200 goes out: a failing query is still a proper 500 problem,
  // not a truncated CSV under a success status.
  const iterator = pages[Symbol.asyncIterator]();
  let next = await iterator.next();
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.write(stringify([columns]));
  for (; !next.done; next = await iterator.next()) {
    const page = next.value;
    if (page.length === 0) continue;
    // A leading =, +, - or @ would be a formula in a spreadsheet: prefix it (CSV injection).
    const chunk = stringify(
      page.map((r) => toRecord(r).map(neutralize)),
      CSV_OPTIONS,
    );
    if (!res.write(chunk)) await new Promise<void>((resolve) => res.once('drain', resolve));
    if (res.destroyed) {
      await iterator.return?.();
      return;
    }
  }
  res.end();
}

function neutralize(value: string | number | boolean | null): string | number | boolean | null {
  return typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export function wantsCsv(accept: string | undefined): boolean {
  return !!accept && /\btext\/csv\b/i.test(accept);
}
