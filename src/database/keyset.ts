import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/** The position after which a page starts: the last row's creation time (ms) and id. */
export interface CreatedKey {
  createdAt: string;
  id: string;
}

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
