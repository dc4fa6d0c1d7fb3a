import { opensConsole, parseRoleMap, rolesFromClaim } from './role-map.js';

describe('parseRoleMap', () => {
  it('should map groups to roles when given group=role pairs', () => {
    const map = parseRoleMap(
      'herald-comms=comms, herald-audit=auditor,herald-ops=admin,herald-ops=comms',
    );
    expect([...map]).toEqual([
      ['herald-comms', ['comms']],
      ['herald-audit', ['auditor']],
      ['herald-ops', ['admin', 'comms']],
    ]);
  });

  it('should refuse the tenant role and malformed pairs', () => {
    expect(() => parseRoleMap('customers=tenant')).toThrow(/not group=role/);
    expect(() => parseRoleMap('justagroup')).toThrow(/not group=role/);
  });
});

describe('rolesFromClaim', () => {
  const map = parseRoleMap('herald-comms=comms,herald-audit=auditor');

  it('should give the mapped roles of a list claim, ignoring unknown groups', () => {
    expect(rolesFromClaim(['staff', 'herald-audit', 'herald-comms'], map)).toEqual([
      'comms',
      'auditor',
    ]);
  });

  it('should accept a single string and give nothing for other shapes', () => {
    expect(rolesFromClaim('herald-audit', map)).toEqual(['auditor']);
    expect(rolesFromClaim({ 'herald-audit': true }, map)).toEqual([]);
    expect(rolesFromClaim(undefined, map)).toEqual([]);
  });
});

describe('opensConsole', () => {
  it('should open for comms, auditor or admin and never for a tenant or a reporter alone', () => {
    expect(opensConsole(['comms'])).toBe(true);
    expect(opensConsole(['auditor', 'reporter'])).toBe(true);
    expect(opensConsole(['admin'])).toBe(true);
    expect(opensConsole(['reporter'])).toBe(false);
    expect(opensConsole(['tenant'])).toBe(false);
    expect(opensConsole([])).toBe(false);
  });
});
