import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { z } from 'zod';
import { isoTimestamp } from '../common/validation.js';

/** The position after which a page starts: the last row's creation time (ms) and id. */
// A type, not an interface: it is also a cursor key (Record<string, string | number>).
export type CreatedKey = { createdAt: string; id: string };

/** What a list's cursor holds for this paging (`decodeCursor(q.cursor, createdKeyShape)`). */
export const createdKeyShape = z.object({ createdAt: isoTimestamp(), id: z.uuid() });

/** The cursor key of a row: its creation time as the cursor carries it, and its id. */
export const createdKeyOf = (row: { createdAt: Date; id: string }): CreatedKey => ({
  createdAt: row.createdAt.toISOString(),
  id: row.id,
});

/**
 * Keyset paging on (created_at, id) for `alias`: ordered, limited, and after `after` when given.
 * created_at is compared to the millisecond, as the cursor carries it (a JS Date drops
 * microseconds), so no row is skipped or repeated across pages.
 */
export function pageByCreated<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
  alias: string,
  order: 'ASC' | 'DESC',
  limit: number,
  after?: CreatedKey,
): SelectQueryBuilder<T> {
  const createdMs = `date_trunc('milliseconds', ${alias}.created_at)`;
  qb.orderBy(createdMs, order).addOrderBy(`${alias}.id`, order).limit(limit);
  if (after)
    qb.andWhere(`(${createdMs}, ${alias}.id) ${order === 'ASC' ? '>' : '<'} (:createdAt, :id)`, {
      createdAt: after.createdAt,
      id: after.id,
    });
  return qb;
}
