import { evaluateTenant, prepareEvaluation, type TenantFacts } from './evaluate.js';
import { loadRuleSet } from '../rule-set-loader.js';

const ruleSet = loadRuleSet();
const AWARE_AT = '2026-03-10T12:00:00.000Z'; // a Tuesday; US daylight saving began on 8 March
const options = { defaultContractualNoticeHours: 72 };

const tenant = (facts: Partial<TenantFacts> = {}): TenantFacts => ({
  countries: [],
  industries: [],
  flags: {},
  contractualNoticeHours: null,
  ...facts,
});

const run = (facts: TenantFacts, dataCategories: string[], awareAt = AWARE_AT) =>
  evaluateTenant(ruleSet, { awareAt: new Date(awareAt), dataCategories }, facts, options);

const ruleById = (id: string) => {
  const found = ruleSet.rules.find((r) => r.id === id);
  if (found === undefined) throw new Error(`no rule ${id}`);
  return found;
};

// Due instants for AWARE_AT, worked out by hand.
const H1 = '2026-03-10T13:00:00.000Z';
const H6 = '2026-03-10T18:00:00.000Z';
const H24 = '2026-03-11T12:00:00.000Z';
const H72 = '2026-03-13T12:00:00.000Z';
const NY_60_DAYS = '2026-05-09T12:00:00.000Z'; // 08:00 EDT + 60 days
const LA_30_DAYS = '2026-04-09T12:00:00.000Z'; // 05:00 PDT + 30 days
const NY_30_DAYS = '2026-04-09T12:00:00.000Z';
const SYDNEY_30_DAYS = '2026-04-09T13:00:00.000Z'; // 23:00 AEDT (+11) -> 23:00 AEST (+10)
const TOKYO_30_DAYS = '2026-04-09T12:00:00.000Z';
const US_4_BUSINESS_DAYS = '2026-03-17T03:59:59.000Z'; // Wed 11, Thu 12, Fri 13, Mon 16 at 23:59:59 EDT
const BR_3_BUSINESS_DAYS = '2026-03-14T02:59:59.000Z'; // Wed 11, Thu 12, Fri 13 at 23:59:59 BRT

const personal = ['personal'];
const none = ['none'];

describe('evaluate: every rule matches', () => {
  it.each<[string, Partial<TenantFacts>, string[], string | null]>([
    ['contract', {}, none, H72],
    ['gdpr-art33-2', { countries: ['DE'] }, personal, null],
    ['uk-gdpr-art33-2', { countries: ['GB'] }, ['credentials'], null],
    ['ch-fadp-24-3', { countries: ['CH'] }, ['customer-content'], null],
    ['hipaa-164-410', { countries: ['US'], industries: ['healthcare'] }, ['phi'], NY_60_DAYS],
    ['ca-civ-1798-82b', { countries: ['US-CA'] }, personal, null],
    ['sg-pdpa-26c3', { countries: ['SG'] }, personal, null],
    ['jp-appi-26-trustee', { countries: ['JP'] }, ['financial'], null],
    ['nis2-art23-1', { countries: ['FR'] }, none, null],
    ['us-fedramp-1h', { countries: ['US'], flags: { federalAgency: true } }, none, H1],
    ['gdpr-art33-1', { countries: ['IS'] }, personal, H72], // EEA, not EU
    ['gdpr-art34', { countries: ['NO'] }, ['special-category'], null],
    ['uk-gdpr-art33-1', { countries: ['GB'] }, ['financial'], H72],
    ['nis2-art23-4a', { countries: ['DE'], flags: { importantEntity: true } }, none, H24],
    [
      'nis2-art23-4b',
      { countries: ['IT'], flags: { essentialEntity: true, importantEntity: false } },
      none,
      H72,
    ],
    ['dora-art19-initial', { countries: ['FR'], industries: ['retail', 'finance'] }, none, H24],
    [
      'hipaa-164-404',
      { countries: ['US-NY'], industries: ['healthcare'] },
      ['phi', 'credentials'],
      NY_60_DAYS,
    ],
    ['ca-civ-1798-82a', { countries: ['US-CA'] }, personal, LA_30_DAYS],
    ['ny-gbl-899aa-2', { countries: ['US-NY'] }, personal, NY_30_DAYS],
    ['nydfs-500-17a', { countries: ['US-NY'], industries: ['finance'] }, none, H72],
    [
      'us-sec-8k-1-05',
      { countries: ['US-TX'], flags: { publicCompany: true } },
      none,
      US_4_BUSINESS_DAYS,
    ],
    ['au-ndb-26wh', { countries: ['AU'] }, personal, SYDNEY_30_DAYS],
    ['br-lgpd-48', { countries: ['BR'] }, personal, BR_3_BUSINESS_DAYS],
    ['jp-appi-26-final', { countries: ['JP'] }, personal, TOKYO_30_DAYS],
    ['kr-pipa-34', { countries: ['KR'] }, personal, H72],
    ['in-certin-6h', { countries: ['IN'] }, none, H6],
    ['sg-pdpa-26d', { countries: ['SG'] }, ['credentials'], null],
    ['ca-pipeda-10-1', { countries: ['CA'] }, personal, null],
  ])(
    'should produce %s when tenant %j meets incident categories %j',
    (id, facts, categories, dueAt) => {
      const rule = ruleById(id);
      const found = run(tenant(facts), categories).obligations.find((o) => o.regulationId === id);
      expect(found).toEqual({
        regulationId: id,
        notifier: rule.notifier,
        recipient: rule.recipient,
        dueAt,
        dueText: rule.dueText,
        citation: rule.citation,
      });
    },
  );

  it('should cover every shipped rule when the table runs', () => {
    expect(ruleSet.rules).toHaveLength(28);
  });
});

describe('evaluate: every rule can miss', () => {
  it.each<[string, string, Partial<TenantFacts>, string[]]>([
    // The contract rule always matches; see "contract" below.
    ['gdpr-art33-2', 'the incident touches no data', { countries: ['DE'] }, none],
    ['gdpr-art33-2', 'the tenant is outside the EEA', { countries: ['GB'] }, personal],
    ['uk-gdpr-art33-2', 'the tenant is in the EU, not the UK', { countries: ['IE'] }, personal],
    ['ch-fadp-24-3', 'the incident touches no data', { countries: ['CH'] }, none],
    [
      'hipaa-164-410',
      'the data is not PHI',
      { countries: ['US'], industries: ['healthcare'] },
      personal,
    ],
    [
      'hipaa-164-410',
      'the tenant is not in healthcare',
      { countries: ['US'], industries: ['finance'] },
      ['phi'],
    ],
    ['ca-civ-1798-82b', 'the tenant is only in US, not US-CA', { countries: ['US'] }, personal],
    ['sg-pdpa-26c3', 'the tenant is in Malaysia', { countries: ['MY'] }, personal],
    ['jp-appi-26-trustee', 'the incident touches no data', { countries: ['JP'] }, none],
    ['nis2-art23-1', 'Norway is in the EEA but not the EU', { countries: ['NO'] }, none],
    [
      'us-fedramp-1h',
      'the federalAgency flag is false',
      { countries: ['US'], flags: { federalAgency: false } },
      none,
    ],
    ['gdpr-art33-1', 'Switzerland is not in the EEA', { countries: ['CH'] }, personal],
    ['gdpr-art34', 'the UK is not in the EEA', { countries: ['GB'] }, personal],
    ['uk-gdpr-art33-1', 'the incident touches no data', { countries: ['GB'] }, none],
    [
      'nis2-art23-4a',
      'neither flag is true',
      { countries: ['DE'], flags: { essentialEntity: false } },
      none,
    ],
    [
      'nis2-art23-4b',
      'the entity is outside the EU',
      { countries: ['NO'], flags: { essentialEntity: true } },
      none,
    ],
    [
      'dora-art19-initial',
      'the tenant is not in finance',
      { countries: ['FR'], industries: ['healthcare'] },
      none,
    ],
    [
      'hipaa-164-404',
      'the US tenant is in finance',
      { countries: ['US'], industries: ['finance'] },
      ['phi'],
    ],
    [
      'ca-civ-1798-82a',
      'the tenant is in New York, not California',
      { countries: ['US-NY'] },
      personal,
    ],
    [
      'ny-gbl-899aa-2',
      'the tenant is in California, not New York',
      { countries: ['US-CA'] },
      personal,
    ],
    [
      'nydfs-500-17a',
      'the finance tenant is only in US',
      { countries: ['US'], industries: ['finance'] },
      none,
    ],
    [
      'us-sec-8k-1-05',
      'the public company is in GB',
      { countries: ['GB'], flags: { publicCompany: true } },
      none,
    ],
    ['us-sec-8k-1-05', 'the US company is not public', { countries: ['US'], flags: {} }, none],
    ['au-ndb-26wh', 'the tenant is in New Zealand', { countries: ['NZ'] }, personal],
    ['br-lgpd-48', 'the tenant is in Portugal', { countries: ['PT'] }, personal],
    ['jp-appi-26-final', 'the tenant is in Korea', { countries: ['KR'] }, personal],
    ['kr-pipa-34', 'the incident touches no data', { countries: ['KR'] }, none],
    ['in-certin-6h', 'the tenant is in the US', { countries: ['US'] }, none],
    ['sg-pdpa-26d', 'the incident touches no data', { countries: ['SG'] }, none],
    ['ca-pipeda-10-1', 'US-CA is California, not Canada', { countries: ['US-CA'] }, personal],
  ])('should not produce %s when %s', (id, _why, facts, categories) => {
    const ids = run(tenant(facts), categories).obligations.map((o) => o.regulationId);
    expect(ids).toContain('contract');
    expect(ids).not.toContain(id);
  });

  it('should list every shipped rule except the contract in the miss table', () => {
    // Guard: a rule added to the shipped file without cases here fails this spec.
    expect(ruleSet.rules.map((r) => r.id).filter((id) => id !== 'contract')).toHaveLength(27);
  });
});

describe('evaluate: matching semantics', () => {
  const ids = (facts: Partial<TenantFacts>, categories: string[]) =>
    run(tenant(facts), categories).obligations.map((o) => o.regulationId);

  it('should match only rules without dataCategories when the incident category is none', () => {
    expect(ids({ countries: ['DE'], flags: { essentialEntity: true } }, none)).toEqual([
      'contract',
      'nis2-art23-1',
      'nis2-art23-4a',
      'nis2-art23-4b',
    ]);
  });

  it('should expand personal-data to every personal data category when rules list it', () => {
    for (const category of ruleSet.personalDataCategories) {
      expect(ids({ countries: ['DE'] }, [category])).toContain('gdpr-art33-1');
    }
    expect(ids({ countries: ['DE'] }, ['something-else'])).not.toContain('gdpr-art33-1');
  });

  it('should count US-CA as US when a rule lists US', () => {
    expect(ids({ countries: ['US-CA'], flags: { publicCompany: true } }, none)).toContain(
      'us-sec-8k-1-05',
    );
  });

  it('should not count US as US-CA when a rule lists US-CA', () => {
    expect(ids({ countries: ['US'] }, personal)).not.toContain('ca-civ-1798-82a');
  });

  it('should match when any one of several tenant countries is listed', () => {
    expect(ids({ countries: ['ZZ', 'BR'] }, personal)).toContain('br-lgpd-48');
  });

  it('should require every flag when a rule lists flags', () => {
    expect(ids({ flags: { federalAgency: true } }, none)).toContain('us-fedramp-1h');
  });

  it('should accept either flag when a rule lists flagsAny', () => {
    const both = { essentialEntity: true, importantEntity: true };
    expect(ids({ countries: ['AT'], flags: both }, none)).toEqual(
      expect.arrayContaining(['nis2-art23-4a', 'nis2-art23-4b']),
    );
    expect(ids({ countries: ['AT'], flags: { importantEntity: true } }, none)).toContain(
      'nis2-art23-4a',
    );
    expect(ids({ countries: ['AT'], flags: {} }, none)).not.toContain('nis2-art23-4a');
  });

  it('should list obligations in rule-set order with exact deadlines when many rules match', () => {
    const result = run(
      tenant({
        countries: ['US-CA', 'US-NY'],
        industries: ['healthcare', 'finance'],
        flags: { publicCompany: true },
      }),
      ['phi'],
    );
    expect(result.obligations.map((o) => [o.regulationId, o.notifier, o.dueAt])).toEqual([
      ['contract', 'provider', H72],
      ['hipaa-164-410', 'provider', NY_60_DAYS],
      ['ca-civ-1798-82b', 'provider', null],
      ['hipaa-164-404', 'tenant', NY_60_DAYS],
      ['ca-civ-1798-82a', 'tenant', LA_30_DAYS],
      ['ny-gbl-899aa-2', 'tenant', NY_30_DAYS],
      ['nydfs-500-17a', 'tenant', H72],
      ['us-sec-8k-1-05', 'tenant', US_4_BUSINESS_DAYS],
    ]);
    expect(result.noticeDueAt).toBe(H72);
  });
});

describe('evaluate: contract and noticeDueAt', () => {
  it.each<[string, Partial<TenantFacts>, string[], string, string]>([
    ['the tenant has no hours of its own', {}, none, H72, H72],
    ['the tenant promised 24 hours', { contractualNoticeHours: 24 }, none, H24, H24],
    [
      'the tenant promised 168 hours',
      { contractualNoticeHours: 168 },
      none,
      '2026-03-17T12:00:00.000Z',
      '2026-03-17T12:00:00.000Z',
    ],
    // A provider rule earlier than the contract wins.
    ['the tenant is a federal agency', { flags: { federalAgency: true } }, none, H72, H1],
    // 2000 hours is later than HIPAA's 60 days, which then sets the notice deadline.
    [
      'the healthcare tenant promised 2000 hours',
      { countries: ['US'], industries: ['healthcare'], contractualNoticeHours: 2000 },
      ['phi'],
      '2026-06-01T20:00:00.000Z',
      NY_60_DAYS,
    ],
    // Tenant obligations never set the provider's deadline.
    ['only tenant duties are earlier', { countries: ['IN'] }, none, H72, H72],
  ])('should set the deadlines when %s', (_case, facts, categories, contractDue, noticeDueAt) => {
    const result = run(tenant(facts), categories);
    expect(result.obligations.find((o) => o.regulationId === 'contract')?.dueAt).toBe(contractDue);
    expect(result.noticeDueAt).toBe(noticeDueAt);
  });

  it('should use each tenant’s own hours when one evaluator serves several tenants', () => {
    const evaluator = prepareEvaluation(
      ruleSet,
      { awareAt: new Date(AWARE_AT), dataCategories: none },
      options,
    );
    const a = evaluator.evaluate(tenant({ contractualNoticeHours: 24 }));
    const b = evaluator.evaluate(tenant({ contractualNoticeHours: null }));
    const c = evaluator.evaluate(tenant({ contractualNoticeHours: 24 }));
    expect([a.noticeDueAt, b.noticeDueAt, c.noticeDueAt]).toEqual([H24, H72, H24]);
    expect(c.obligations[0]).toBe(a.obligations[0]);
    expect(Object.isFrozen(a.obligations[0])).toBe(true);
  });

  it('should use the service default when a different default is configured', () => {
    const result = evaluateTenant(
      ruleSet,
      { awareAt: new Date(AWARE_AT), dataCategories: none },
      tenant(),
      {
        defaultContractualNoticeHours: 48,
      },
    );
    expect(result.noticeDueAt).toBe('2026-03-12T12:00:00.000Z');
  });

  it('should report the rules version when an evaluator is prepared', () => {
    const evaluator = prepareEvaluation(
      ruleSet,
      { awareAt: new Date(AWARE_AT), dataCategories: none },
      options,
    );
    expect(evaluator.rulesVersion).toBe('2026-11-28');
  });

  it('should keep its clock when the caller later mutates awareAt', () => {
    const awareAt = new Date(AWARE_AT);
    const evaluator = prepareEvaluation(ruleSet, { awareAt, dataCategories: none }, options);
    awareAt.setTime(0);
    expect(evaluator.evaluate(tenant({ contractualNoticeHours: 1 })).noticeDueAt).toBe(H1);
  });

  it('should throw when awareAt is not a valid date', () => {
    expect(() =>
      prepareEvaluation(ruleSet, { awareAt: new Date('x'), dataCategories: none }, options),
    ).toThrow('incident.awareAt must be a valid Date');
  });

  it('should throw when a tenant has non-positive contractual hours', () => {
    expect(() => run(tenant({ contractualNoticeHours: 0 }), none)).toThrow(
      'contractualNoticeHours must be a positive number, got 0',
    );
  });
});
