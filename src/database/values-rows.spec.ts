import fc from 'fast-check';
import { rowsOf } from './values-rows.js';

describe('rowsOf', () => {
  it('should number one tuple of parameters per row from the first given when built', () => {
    expect(
      rowsOf([
        ['a', 1],
        ['b', 2],
      ]),
    ).toEqual({
      sql: '($1, $2), ($3, $4)',
      params: ['a', 1, 'b', 2],
    });
    expect(rowsOf([['x']], 4)).toEqual({ sql: '($4)', params: ['x'] });
  });

  it('should refer to every parameter exactly once, in order, when rows are any size', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string(), { minLength: 1, maxLength: 6 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 50 }),
        (rows, first) => {
          const { sql, params } = rowsOf(rows, first);
          const refs = [...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
          expect(refs).toEqual(params.map((_, i) => first + i));
          expect(params).toEqual(rows.flat());
          expect(sql.match(/\(/g)?.length ?? 0).toBe(rows.length);
        },
      ),
    );
  });
});
