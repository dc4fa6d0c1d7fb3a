import { compareScopes, isEmptyScope, normalizeScope } from './scope.js';

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
