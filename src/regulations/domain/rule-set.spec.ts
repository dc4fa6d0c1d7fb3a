import shipped from '../rules/rules.json' with { type: 'json' };
import {
  parseRuleFile,
  parseRuleOverride,
  RuleSetError,
  validateRuleSet,
  type RuleSet,
} from './rule-set.js';

const contract = {
  id: 'contract',
  notifier: 'provider',
  recipient: 'tenant',
  when: {},
  deadline: { amount: 'tenant.contractualNoticeHours', unit: 'hours' },
  dueText: 'Within the contractual period.',
  citation: 'Contract',
};

const rule = (overrides: Record<string, unknown> = {}) => ({
  id: 'sample',
  notifier: 'tenant',
  recipient: 'regulator',
  when: { countries: ['EU'] },
  deadline: { amount: 72, unit: 'hours' },
  dueText: 'Within 72 hours.',
  citation: 'Sample Act s 1',
  ...overrides,
});

const file = (rules: unknown[], extra: Record<string, unknown> = {}) => ({
  version: 'test-1',
  regionGroups: { EU: ['DE', 'FR'] },
  personalDataCategories: ['personal', 'phi'],
  rules: [contract, ...rules],
  ...extra,
});

function problemsOf(action: () => unknown): readonly string[] {
  try {
    action();
  } catch (error) {
    if (error instanceof RuleSetError) return error.problems;
    throw error;
  }
  throw new Error('expected a RuleSetError');
}

const parseAndValidate = (raw: unknown) => () => {
  const parsed = parseRuleFile(raw, 'rules.json');
  validateRuleSet(parsed);
  return parsed;
};

describe('parseRuleFile', () => {
  it('should accept the shipped rules when parsing them', () => {
    const parsed = parseAndValidate(shipped)();
    expect(parsed.version).toBe('2026-11-28');
    expect(parsed.rules).toHaveLength(28);
    expect(parsed.rules.map((r) => r.id)).toContain('contract');
  });

  it('should accept a minimal valid file when it has a contract and a rule', () => {
    expect(parseAndValidate(file([rule()]))().rules.map((r) => r.id)).toEqual([
      'contract',
      'sample',
    ]);
  });

  it.each<[string, unknown, string]>([
    [
      'a time zone is not IANA',
      file([rule({ deadline: { amount: 30, unit: 'days', timeZone: 'America/NewYork' } })]),
      'rules.json: rules[1] (id "sample"): deadline.timeZone: "America/NewYork" is not a valid IANA time zone',
    ],
    [
      'days have no time zone',
      file([rule({ deadline: { amount: 30, unit: 'days' } })]),
      'rules.json: rules[1] (id "sample"): deadline.timeZone: is required for unit "days" (an IANA name such as "Europe/Berlin")',
    ],
    [
      'business days have no holidays',
      file([
        rule({ deadline: { amount: 3, unit: 'business-days', timeZone: 'America/Sao_Paulo' } }),
      ]),
      'rules.json: rules[1] (id "sample"): deadline.holidays: is required for unit "business-days" (one of US, BR)',
    ],
    [
      'business days name an unknown holiday calendar',
      file([
        rule({
          deadline: { amount: 3, unit: 'business-days', timeZone: 'Europe/Berlin', holidays: 'DE' },
        }),
      ]),
      'rules.json: rules[1] (id "sample"): deadline.holidays: Invalid option: expected one of "US"|"BR"',
    ],
    [
      'hours name a holiday calendar',
      file([rule({ deadline: { amount: 3, unit: 'hours', holidays: 'US' } })]),
      'rules.json: rules[1] (id "sample"): deadline.holidays: applies only to unit "business-days"',
    ],
    [
      'days are fractional',
      file([rule({ deadline: { amount: 1.5, unit: 'days', timeZone: 'UTC' } })]),
      'rules.json: rules[1] (id "sample"): deadline.amount: must be a whole number of days',
    ],
    [
      'the tenant amount is not in hours',
      file([
        rule({
          deadline: { amount: 'tenant.contractualNoticeHours', unit: 'days', timeZone: 'UTC' },
        }),
      ]),
      'rules.json: rules[1] (id "sample"): deadline.unit: must be "hours" when amount is "tenant.contractualNoticeHours"',
    ],
    [
      'a unit is unknown',
      file([rule({ deadline: { amount: 2, unit: 'weeks' } })]),
      'rules.json: rules[1] (id "sample"): deadline.unit: Invalid option: expected one of "hours"|"days"|"business-days"',
    ],
    [
      'the deadline key is missing',
      file([rule({ deadline: undefined })]),
      'rules.json: rules[1] (id "sample"): deadline: Invalid input: expected object, received undefined',
    ],
    [
      'a when key is misspelt',
      file([rule({ when: { flagAny: ['essentialEntity'] } })]),
      'rules.json: rules[1] (id "sample"): when: Unrecognized key: "flagAny"',
    ],
    [
      'a list is empty',
      file([rule({ when: { countries: [] } })]),
      'rules.json: rules[1] (id "sample"): when.countries: must list at least one value (omit the key instead)',
    ],
    [
      'dataCategories lists none',
      file([rule({ when: { dataCategories: ['none'] } })]),
      'rules.json: rules[1] (id "sample"): when.dataCategories: "none" cannot be listed: an incident with no data impact matches no dataCategories rule',
    ],
    [
      'the notifier is unknown',
      file([rule({ notifier: 'regulator' })]),
      'rules.json: rules[1] (id "sample"): notifier: Invalid option: expected one of "provider"|"tenant"',
    ],
    [
      'an id repeats',
      file([rule(), rule()]),
      'rules.json: rules[2] (id "sample"): id: duplicates rules[1]',
    ],
    [
      'a region group member is not a code',
      file([rule()], { regionGroups: { EU: ['DE', 'france'] } }),
      'rules.json: regionGroups.EU[1]: must be an ISO 3166 code such as "DE" or "US-CA"',
    ],
    [
      'a top-level key is unknown',
      file([rule()], { rule: [] }),
      'rules.json: Unrecognized key: "rule"',
    ],
    [
      'the file is not an object',
      'rules',
      'rules.json: Invalid input: expected object, received string',
    ],
  ])('should name file, rule and field when %s', (_case, raw, expected) => {
    expect(problemsOf(parseAndValidate(raw))).toContain(expected);
  });
});

describe('validateRuleSet', () => {
  it.each<[string, unknown, string]>([
    [
      'a country group is unknown',
      file([rule({ when: { countries: ['EUROPE'] } })]),
      'rule set: rules[1] (id "sample"): when.countries[0]: "EUROPE" is neither a known region group (EU) nor an ISO 3166 code such as "DE" or "US-CA"',
    ],
    [
      'a country code is lower case',
      file([rule({ when: { countries: ['DE', 'us'] } })]),
      'rule set: rules[1] (id "sample"): when.countries[1]: "us" is neither a known region group (EU) nor an ISO 3166 code such as "DE" or "US-CA"',
    ],
    [
      'a subdivision code is too long',
      file([rule({ when: { countries: ['US-CALI'] } })]),
      'rule set: rules[1] (id "sample"): when.countries[0]: "US-CALI" is neither a known region group (EU) nor an ISO 3166 code such as "DE" or "US-CA"',
    ],
    [
      'there is no contract rule',
      { ...file([rule()]), rules: [rule()] },
      'rule set: exactly one rule with id "contract" is required, found none',
    ],
    [
      'the contract rule has conditions',
      { ...file([]), rules: [{ ...contract, when: { countries: ['DE'] } }] },
      'rule set: rules[0] (id "contract"): when: must be {} (it applies to every tenant)',
    ],
    [
      'the contract rule is the tenant’s',
      { ...file([]), rules: [{ ...contract, notifier: 'tenant' }] },
      'rule set: rules[0] (id "contract"): notifier: must be "provider"',
    ],
    [
      'the contract rule has fixed hours',
      { ...file([]), rules: [{ ...contract, deadline: { amount: 24, unit: 'hours' } }] },
      'rule set: rules[0] (id "contract"): deadline: must be {"amount": "tenant.contractualNoticeHours", "unit": "hours"}',
    ],
  ])('should reject the set when %s', (_case, raw, expected) => {
    expect(problemsOf(parseAndValidate(raw))).toEqual([expected]);
  });

  it('should accept subdivision codes and group names when both are listed', () => {
    expect(() =>
      parseAndValidate(file([rule({ when: { countries: ['US-CA', 'US-NY', 'EU', 'GB'] } })]))(),
    ).not.toThrow();
  });

  it('should report two contract rules when a merged set has both', () => {
    const set = parseRuleFile(file([]), 'rules.json') as RuleSet;
    const twice: RuleSet = { ...set, rules: [...set.rules, ...set.rules] };
    expect(
      problemsOf(() =>
        validateRuleSet(twice, [
          { file: 'a.json', index: 0 },
          { file: 'b.json', index: 4 },
        ]),
      ),
    ).toEqual([
      'rule set: exactly one rule with id "contract" is required, found 2: a.json: rules[0] (id "contract"); b.json: rules[4] (id "contract")',
    ]);
  });
});

describe('parseRuleOverride', () => {
  it('should accept a subset when an override holds only some keys', () => {
    expect(parseRuleOverride({ regionGroups: { LATAM: ['BR', 'MX'] } }, 'o.json')).toEqual({
      regionGroups: { LATAM: ['BR', 'MX'] },
    });
  });

  it('should name the override file when a rule in it is invalid', () => {
    expect(
      problemsOf(() => parseRuleOverride({ rules: [rule({ recipient: '' })] }, 'o.json')),
    ).toEqual(['o.json: rules[0] (id "sample"): recipient: must be a non-empty string']);
  });
});
