import type { TransitionCheck } from '../../src/common/domain/transition-table.js';

/**
 * Walks every (from, to) pair of a lifecycle and expects it allowed exactly when `allowed`, a
 * literal list of "from -> to" written in the spec, names it: never derived from the table under
 * test, so a wrong edit of the table fails here.
 */
export function itAllowsExactly<S extends string>(
  what: string,
  statuses: { actual: readonly S[]; expected: readonly S[] },
  allowed: readonly `${S} -> ${S}`[],
  check: (from: S, to: S) => TransitionCheck,
): void {
  it(`should have exactly the ${what} statuses the spec walks`, () => {
    expect([...statuses.actual].sort()).toEqual([...statuses.expected].sort());
  });

  const pairs = statuses.expected.flatMap((from) =>
    statuses.expected.map((to) => [from, to, allowed.includes(`${from} -> ${to}`)] as const),
  );
  it.each(pairs)(`should allow %s -> %s only when listed (listed: %s)`, (from, to, listed) => {
    const result = check(from, to);
    expect(result.allowed).toBe(listed);
    if (!result.allowed) expect(result.reason).toBe(`a ${what} cannot go from ${from} to ${to}`);
  });
}
