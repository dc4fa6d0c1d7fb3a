import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRuleSet } from './rule-set-loader.js';
import { RuleSetError } from './domain/rule-set.js';

const sha8 = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 8);

const certin12h = {
  id: 'in-certin-6h',
  notifier: 'tenant',
  recipient: 'csirt',
  when: { countries: ['IN'] },
  deadline: { amount: 12, unit: 'hours' },
  dueText: 'Report to CERT-In within 12 hours (test override).',
  citation: 'CERT-In Directions (test)',
};

const latamRule = {
  id: 'latam-test',
  notifier: 'tenant',
  recipient: 'regulator',
  when: { countries: ['LATAM'], dataCategories: ['personal-data'] },
  deadline: { amount: 5, unit: 'days', timeZone: 'America/Mexico_City' },
  dueText: 'Within 5 days (test).',
  citation: 'Test Act',
};

let root: string;
let counter = 0;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'herald-rules-'));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function folder(files: Record<string, unknown>): string {
  const dir = join(root, `case-${++counter}`);
  mkdirSync(dir);
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(
      join(dir, name),
      typeof content === 'string' ? content : JSON.stringify(content, null, 2),
    );
  }
  return dir;
}

function errorOf(action: () => unknown): RuleSetError {
  try {
    action();
  } catch (error) {
    if (error instanceof RuleSetError) return error;
    throw error;
  }
  throw new Error('expected a RuleSetError');
}

describe('loadRuleSet', () => {
  it('should load the 28 shipped rules when no override is given', () => {
    const set = loadRuleSet();
    expect(set.version).toBe('2026-11-28');
    expect(set.rules).toHaveLength(28);
    expect(set.rules[0].id).toBe('contract');
    expect(set.rules[27].id).toBe('ca-pipeda-10-1');
    expect(Object.keys(set.regionGroups)).toEqual(['EU', 'EEA']);
  });

  it('should return a frozen set when loaded', () => {
    const set = loadRuleSet();
    expect(Object.isFrozen(set.rules)).toBe(true);
    expect(Object.isFrozen(set.rules[4].deadline)).toBe(true);
  });

  it('should replace a rule in place and version the set when a single override file has its id', () => {
    const contents = JSON.stringify({ rules: [certin12h] });
    const path = join(folder({ 'override-a.json': contents }), 'override-a.json');
    const set = loadRuleSet({ overridePath: path });
    expect(set.version).toBe(`2026-11-28+override-a.json@${sha8(contents)}`);
    expect(set.version).toMatch(/^2026-11-28\+override-a\.json@[0-9a-f]{8}$/);
    expect(set.rules).toHaveLength(28);
    const index = set.rules.findIndex((r) => r.id === 'in-certin-6h');
    expect(index).toBe(loadRuleSet().rules.findIndex((r) => r.id === 'in-certin-6h'));
    expect(set.rules[index].deadline).toEqual({ amount: 12, unit: 'hours' });
  });

  it('should append a rule and merge region groups when the override adds them', () => {
    const path = join(
      folder({ 'latam.json': { regionGroups: { LATAM: ['BR', 'MX', 'AR'] }, rules: [latamRule] } }),
      'latam.json',
    );
    const set = loadRuleSet({ overridePath: path });
    expect(set.rules).toHaveLength(29);
    expect(set.rules[28].id).toBe('latam-test');
    expect(Object.keys(set.regionGroups)).toEqual(['EU', 'EEA', 'LATAM']);
    expect(set.regionGroups.EU).toHaveLength(27);
  });

  it('should replace personal data categories and version when the override sets them', () => {
    const contents = JSON.stringify({
      version: '2027-01-01',
      personalDataCategories: ['personal', 'phi'],
    });
    const path = join(folder({ 'v.json': contents }), 'v.json');
    const set = loadRuleSet({ overridePath: path });
    expect(set.personalDataCategories).toEqual(['personal', 'phi']);
    expect(set.version).toBe(`2027-01-01+v.json@${sha8(contents)}`);
  });

  it('should apply folder files in sorted name order when given a folder', () => {
    const first = JSON.stringify({ rules: [{ ...certin12h, dueText: 'first' }] });
    const second = JSON.stringify({
      rules: [{ ...certin12h, dueText: 'second' }, latamRule],
      regionGroups: { LATAM: ['MX'] },
    });
    const dir = folder({
      '2-second.json': second,
      '10-first.json': first, // '1' sorts before '2': applied first
      'notes.txt': 'not json, ignored',
      '.hidden.json': '{ broken',
    });
    const set = loadRuleSet({ overridePath: dir });
    expect(set.version).toBe(
      `2026-11-28+10-first.json@${sha8(first)}+2-second.json@${sha8(second)}`,
    );
    expect(set.rules.find((r) => r.id === 'in-certin-6h')?.dueText).toBe('second');
    expect(set.rules.map((r) => r.id).slice(-1)).toEqual(['latam-test']);
  });

  it('should keep the shipped version when the folder holds no json file', () => {
    expect(loadRuleSet({ overridePath: folder({ 'README.md': 'nothing' }) }).version).toBe(
      '2026-11-28',
    );
  });

  it('should name the bad override file when a folder holds one', () => {
    const dir = folder({
      'a-good.json': { rules: [certin12h] },
      'b-bad.json': {
        rules: [{ ...latamRule, deadline: { amount: 5, unit: 'days', timeZone: 'Mars/Olympus' } }],
      },
    });
    const error = errorOf(() => loadRuleSet({ overridePath: dir }));
    expect(error.problems).toEqual([
      'b-bad.json: rules[0] (id "latam-test"): deadline.timeZone: "Mars/Olympus" is not a valid IANA time zone',
    ]);
    expect(error.message).toContain('b-bad.json');
    expect(error.code).toBe('RULE_SET_INVALID');
  });

  it('should name the override and rule when an override uses an unknown region group', () => {
    const path = join(folder({ 'x.json': { rules: [certin12h, latamRule] } }), 'x.json');
    expect(errorOf(() => loadRuleSet({ overridePath: path })).problems).toEqual([
      'x.json: rules[1] (id "latam-test"): when.countries[0]: "LATAM" is neither a known region group (EU, EEA) nor an ISO 3166 code such as "DE" or "US-CA"',
    ]);
  });

  it('should name the override when it breaks the contract rule', () => {
    const path = join(
      folder({
        'c.json': { rules: [{ ...certin12h, id: 'contract', notifier: 'provider', when: {} }] },
      }),
      'c.json',
    );
    expect(errorOf(() => loadRuleSet({ overridePath: path })).problems).toEqual([
      'c.json: rules[0] (id "contract"): deadline: must be {"amount": "tenant.contractualNoticeHours", "unit": "hours"}',
    ]);
  });

  it('should name the file when an override is not valid JSON', () => {
    const path = join(folder({ 'broken.json': '{ "rules": [' }), 'broken.json');
    expect(errorOf(() => loadRuleSet({ overridePath: path })).problems[0]).toMatch(
      /^broken\.json: not valid JSON: /,
    );
  });

  it('should name the key when an override has an unknown top-level key', () => {
    const path = join(folder({ 'typo.json': { rule: [certin12h] } }), 'typo.json');
    expect(errorOf(() => loadRuleSet({ overridePath: path })).problems).toEqual([
      'typo.json: Unrecognized key: "rule"',
    ]);
  });

  it('should throw when the override path does not exist', () => {
    const missing = join(root, 'missing.json');
    expect(errorOf(() => loadRuleSet({ overridePath: missing })).message).toContain(
      `override path ${missing}`,
    );
  });

  it('should read another base file when basePath is given', () => {
    const base = {
      version: 'custom-1',
      regionGroups: {},
      personalDataCategories: ['personal'],
      rules: [
        {
          id: 'contract',
          notifier: 'provider',
          recipient: 'tenant',
          when: {},
          deadline: { amount: 'tenant.contractualNoticeHours', unit: 'hours' },
          dueText: 'contract',
          citation: 'contract',
        },
      ],
    };
    const path = join(folder({ 'base.json': base }), 'base.json');
    const set = loadRuleSet({ basePath: path });
    expect(set.version).toBe('custom-1');
    expect(set.rules.map((r) => r.id)).toEqual(['contract']);
  });

  it('should name the base file when it has no contract rule', () => {
    const path = join(
      folder({
        'base.json': {
          version: '1',
          regionGroups: {},
          personalDataCategories: ['personal'],
          rules: [certin12h],
        },
      }),
      'base.json',
    );
    expect(errorOf(() => loadRuleSet({ basePath: path })).problems).toEqual([
      'rule set: exactly one rule with id "contract" is required, found none',
    ]);
  });
});
