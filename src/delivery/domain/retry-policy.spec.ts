import { backoffDelayMs, MAX_BACKOFF_MS } from './retry-policy.js';

describe('backoffDelayMs', () => {
  const base = 30_000;

  it('should stay within [0, base * 2^(attempt-1)) when random spans [0, 1)', () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const ceiling = Math.min(MAX_BACKOFF_MS, base * 2 ** (attempt - 1));
      expect(backoffDelayMs(attempt, base, () => 0)).toBe(0);
      const highest = backoffDelayMs(attempt, base, () => 0.999999999);
      expect(highest).toBeLessThan(ceiling);
      expect(highest).toBeGreaterThanOrEqual(Math.floor(ceiling * 0.999));
    }
  });

  it('should double the ceiling per attempt when below the cap', () => {
    const half = (attempt: number) => backoffDelayMs(attempt, 1000, () => 0.5);
    expect([1, 2, 3, 4, 5].map(half)).toEqual([500, 1000, 2000, 4000, 8000]);
  });

  it('should cap at six hours when the attempt count is large', () => {
    expect(MAX_BACKOFF_MS).toBe(21_600_000);
    for (const attempt of [20, 100, 10_000]) {
      const delay = backoffDelayMs(attempt, base, () => 0.999999999);
      expect(delay).toBeLessThan(MAX_BACKOFF_MS);
      expect(delay).toBeGreaterThan(MAX_BACKOFF_MS * 0.999);
    }
  });

  it('should spread delays across the window when random is uniform (full jitter)', () => {
    let seed = 42;
    // Small LCG: deterministic, so the test cannot flake.
    const random = () => {
      seed = (seed * 1_664_525 + 1_013_904_223) % 2 ** 32;
      return seed / 2 ** 32;
    };
    const ceiling = base * 2 ** 4;
    const delays = Array.from({ length: 2000 }, () => backoffDelayMs(5, base, random));
    const buckets = [0, 0, 0, 0];
    for (const d of delays) buckets[Math.floor((d / ceiling) * 4)]++;
    for (const count of buckets) expect(count).toBeGreaterThan(400);
    expect(new Set(delays).size).toBeGreaterThan(1900);
  });

  it('should clamp when the random source misbehaves', () => {
    expect(backoffDelayMs(3, 1000, () => 1)).toBeLessThan(4000);
    expect(backoffDelayMs(3, 1000, () => 7)).toBeLessThan(4000);
    expect(backoffDelayMs(3, 1000, () => -1)).toBe(0);
  });

  it.each([0, -1, 1.5, Number.NaN])('should throw when attempt is %p', (attempt) => {
    expect(() => backoffDelayMs(attempt, 1000, Math.random)).toThrow(RangeError);
  });

  it.each([0, -5, Number.POSITIVE_INFINITY])('should throw when baseMs is %p', (baseMs) => {
    expect(() => backoffDelayMs(1, baseMs, Math.random)).toThrow(RangeError);
  });
});
