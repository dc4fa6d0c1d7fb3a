import { compareScopes, isEmptyScope, normalizeScope, scopeSummary } from './scope.js';

describe('compareScopes', () => {
  it.each([
    ['more tenant ids', { tenantIds: ['a'] }, { tenantIds: ['a', 'b'] }, true],
    ['a dropped tenant id', { tenantIds: ['a', 'b'] }, { tenantIds: ['a'] }, false],
    ['more values in a list', { services: ['mail'] }, { services: ['mail', 'files'] }, true],
    ['a dropped value', { services: ['mail', 'files'] }, { services: ['mail'] }, false],
    [
      'a new list when one was given',
      { services: ['mail'] },
      { services: ['mail'], countries: ['DE'] },
      false,
    ],
    [
      'a dropped list while another stays',
      { services: ['mail'], countries: ['DE'] },
      { services: ['mail'] },
      true,
    ],
    ['every list dropped', { services: ['mail'] }, { tenantIds: ['a'] }, false],
    [
      'attribute lists added to ids only',
      { tenantIds: ['a'] },
      { tenantIds: ['a'], countries: ['DE'] },
      true,
    ],
    ['the same scope', { countries: ['DE'] }, { countries: ['DE'] }, true],
  ])('should judge %s', (_name, current, next, wider) => {
    const result = compareScopes(current, next);
    expect(result.wider).toBe(wider);
    if (!result.wider) expect(result.reason.length).toBeGreaterThan(10);
  });

  it('should list what was added when wider', () => {
    const result = compareScopes(
      { tenantIds: ['a'], services: ['mail'] },
      { tenantIds: ['a', 'b'], services: ['mail', 'files'] },
    );
    expect(result).toEqual({ wider: true, added: { tenantIds: ['b'], services: ['files'] } });
  });
});

describe('normalizeScope', () => {
  it('should drop empty lists and sort values when normalizing', () => {
    expect(normalizeScope({ tenantIds: ['b', 'a', 'b'], services: [] })).toEqual({
      tenantIds: ['a', 'b'],
    });
    expect(isEmptyScope({ services: [] })).toBe(true);
    expect(isEmptyScope({ countries: ['DE'] })).toBe(false);
  });
});

describe('compareScopes at the size the API allows', () => {
  const ids = (n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => `tenant-${String(from + i).padStart(6, '0')}`);

  // 100,000 ids on each side took 34 s with filter + includes; with Sets it is tens of
  // milliseconds on an idle machine (the bound leaves room for a loaded CI runner).
  it('should compare two 100,000-id scopes in linear time', () => {
    const current = { tenantIds: ids(100_000) };
    const again = { tenantIds: ids(100_000) };
    const shifted = { tenantIds: ids(100_000, 1) };
    const started = performance.now();
    const same = compareScopes(current, again);
    const dropsOne = compareScopes(current, shifted);
    const ms = performance.now() - started;
    expect(same).toEqual({ wider: true, added: {} });
    expect(dropsOne).toEqual({
      wider: false,
      reason: 'tenantIds would drop tenant-000000',
    });
    expect(ms).toBeLessThan(5000);
  });

  it('should list the 100,000 added ids when a scope of ids gains them all', () => {
    const result = compareScopes({ tenantIds: ids(1) }, { tenantIds: ids(100_001) });
    expect(result.wider).toBe(true);
    expect(result.wider && result.added.tenantIds).toEqual(ids(100_000, 1));
  });
});

describe('scopeSummary', () => {
  it('should keep the attribute lists and count the ids when summarizing for the audit log', () => {
    expect(scopeSummary({ tenantIds: ['a', 'b'], services: ['mail'] })).toEqual({
      services: ['mail'],
      tenantIdCount: 2,
    });
    expect(scopeSummary({ countries: ['DE'] })).toEqual({ countries: ['DE'], tenantIdCount: 0 });
  });
});
