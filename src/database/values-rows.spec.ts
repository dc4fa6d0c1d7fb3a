import fc from 'fast-check';
import { MAX_PARAMETERS, rowChunks, rowsOf } from './values-rows.js';

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

  it('should split rows into the fewest statements under the parameter limit when chunked', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40_000 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 10 }),
        (count, columns, others) => {
          const rows = Array.from({ length: count }, (_, i) => i);
          const chunks = rowChunks(rows, columns, others);
          expect(chunks.flat()).toEqual(rows);
          for (const c of chunks) {
            expect(c.length).toBeGreaterThan(0);
            expect(c.length * columns + others).toBeLessThanOrEqual(MAX_PARAMETERS);
          }
          // Every chunk but the last is full: one more row would break the limit.
          for (const c of chunks.slice(0, -1))
            expect((c.length + 1) * columns + others).toBeGreaterThan(MAX_PARAMETERS);
        },
      ),
      { numRuns: 100 },
    );
  });
});
