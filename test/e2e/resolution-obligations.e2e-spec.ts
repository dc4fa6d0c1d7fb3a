import type { Obligation } from '../../src/regulations/domain/evaluate.js';
import { incidentBody } from '../factories/incident.factory.js';
import { tenantBody } from '../factories/tenant.factory.js';
import { errorPaths } from '../support/inspect.js';
import { bearer, eventually, startTestApp, TestApp } from '../support/test-app.js';

// Issue 3: the rules engine wired to incidents: which obligations each affected tenant gets,
// when they fall due, and how GET /v1/incidents/{id}/tenants pages and filters them.

interface TenantItem {
  tenantId: string;
  noticeDueAt: string;
  obligations: Obligation[];
}
interface Rule {
  id: string;
  notifier: 'provider' | 'tenant';
  recipient: string;
  dueText: string;
  citation: string;
}

// A Friday before the US leaves daylight saving time (1 Nov) and before Brazil's Finados (Mon 2 Nov).
const AWARE_AT = '2026-10-30T07:00:00Z';
const DEFAULT_HOURS = 96;

/** What each tenant should get, regulation id → dueAt, in rule-set order. */
const EXPECTED: Record<
  string,
  { noticeDueAt: string; obligations: Array<[string, string | null]> }
> = {
  // DEFAULT_CONTRACTUAL_NOTICE_HOURS (96 here), not a hard-coded 72.
  'de-default': {
    noticeDueAt: '2026-11-03T07:00:00.000Z',
    obligations: [
      ['contract', '2026-11-03T07:00:00.000Z'],
      ['gdpr-art33-2', null],
      ['nis2-art23-1', null],
      // The tenant's own 72 hours are earlier, but only the provider's obligations set noticeDueAt.
      ['gdpr-art33-1', '2026-11-02T07:00:00.000Z'],
      ['gdpr-art34', null],
    ],
  },
  // The tenant's own contractualNoticeHours win over the default.
  'de-24h': {
    noticeDueAt: '2026-10-31T07:00:00.000Z',
    obligations: [
      ['contract', '2026-10-31T07:00:00.000Z'],
      ['gdpr-art33-2', null],
      ['nis2-art23-1', null],
      ['gdpr-art33-1', '2026-11-02T07:00:00.000Z'],
      ['gdpr-art34', null],
    ],
  },
  // 30 days of Los Angeles wall-clock: midnight PDT on 30 Oct is midnight PST on 29 Nov (08:00Z, not 07:00Z).
  'us-ca': {
    noticeDueAt: '2026-11-03T07:00:00.000Z',
    obligations: [
      ['contract', '2026-11-03T07:00:00.000Z'],
      ['ca-civ-1798-82b', null],
      ['ca-civ-1798-82a', '2026-11-29T08:00:00.000Z'],
    ],
  },
  // 3 business days after Fri 30 Oct in São Paulo: skip the weekend and Finados (Mon 2 Nov): Tue, Wed, Thu 5 Nov 23:59:59 -03:00.
  br: {
    noticeDueAt: '2026-11-03T07:00:00.000Z',
    obligations: [
      ['contract', '2026-11-03T07:00:00.000Z'],
      ['br-lgpd-48', '2026-11-06T02:59:59.000Z'],
    ],
  },
  // A provider rule earlier than the contract sets noticeDueAt.
  fed: {
    noticeDueAt: '2026-10-30T08:00:00.000Z',
    obligations: [
      ['contract', '2026-11-03T07:00:00.000Z'],
      ['us-fedramp-1h', '2026-10-30T08:00:00.000Z'],
    ],
  },
};

describe('resolution: obligations per affected tenant', () => {
  let t: TestApp;
  let reporter: string;
  let auditor: string;
  let incidentId: string;
  let rules: Map<string, Rule>;

  const tenantsPage = (query: string, key = auditor) =>
    t.http.get(`/v1/incidents/${incidentId}/tenants${query}`).set(bearer(key));

  /** Follows nextCursor to the end; fails on a repeated or out-of-order tenant. */
  async function allPages(query: string): Promise<{ items: TenantItem[]; pages: number }> {
    const items: TenantItem[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const sep: string = query ? '&' : '?';
      const res = await tenantsPage(
        `${query}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.status).toBe(200);
      items.push(...(res.body.items as TenantItem[]));
      cursor = res.body.nextCursor as string | null;
      pages += 1;
    } while (cursor !== null && pages < 100);
    const ids = items.map((i) => i.tenantId);
    expect(ids).toEqual([...new Set(ids)].sort());
    return { items, pages };
  }

  beforeAll(async () => {
    t = await startTestApp({ DEFAULT_CONTRACTUAL_NOTICE_HOURS: String(DEFAULT_HOURS) });
    reporter = await t.key(['reporter']);
    auditor = await t.key(['auditor']);
    const tenants = [
      tenantBody({ id: 'de-default', countries: ['DE'] }),
      tenantBody({ id: 'de-24h', countries: ['DE'], contractualNoticeHours: 24 }),
      tenantBody({ id: 'us-ca', countries: ['US-CA'], timeZone: 'America/Los_Angeles' }),
      tenantBody({ id: 'br', countries: ['BR'], locale: 'pt-BR', timeZone: 'America/Sao_Paulo' }),
      tenantBody({ id: 'fed', countries: ['US'], flags: { federalAgency: true } }),
      tenantBody({ id: 'not-affected', countries: ['DE'], services: ['files'] }),
    ];
    expect(
      (await t.http.post('/v1/tenants/bulk').set(bearer(t.adminKey)).send({ tenants })).status,
    ).toBe(200);
    const post = await t.http
      .post('/v1/incidents')
      .set(bearer(reporter))
      .send(
        incidentBody({
          awareAt: AWARE_AT,
          occurredAt: undefined,
          scope: { services: ['mail'] },
          dataImpact: { categories: ['personal'], description: 'Mailbox metadata' },
        }),
      );
    expect(post.status).toBe(202);
    incidentId = post.body.id as string;
    await eventually(async () =>
      (await t.http.get(`/v1/incidents/${incidentId}`).set(bearer(auditor))).body.status ===
      'awaiting-review'
        ? true
        : undefined,
    );
    const regs = await t.http.get('/v1/regulations').set(bearer(auditor));
    rules = new Map((regs.body.items as Rule[]).map((r) => [r.id, r]));
  });
  afterAll(async () => {
    await t.close();
  });

  it('should list the 28 shipped rules and their version', async () => {
    const res = await t.http.get('/v1/regulations').set(bearer(reporter));
    expect(res.status).toBe(200);
    expect(res.body.version).toBe('2026-11-28');
    expect(res.body.items).toHaveLength(28);
    expect(res.body.items[0]).toMatchObject({
      id: 'contract',
      notifier: 'provider',
      deadline: { amount: 'tenant.contractualNoticeHours', unit: 'hours' },
    });
    expect(res.body.regionGroups.EEA).toEqual(expect.arrayContaining(['DE', 'NO', 'IS', 'LI']));
  });

  it('should give each affected tenant the obligations of the rules that match it, with their deadlines', async () => {
    const { items } = await allPages('');
    expect(items.map((i) => i.tenantId)).toEqual(Object.keys(EXPECTED).sort());
    for (const item of items) {
      const expected = EXPECTED[item.tenantId];
      expect({
        tenantId: item.tenantId,
        noticeDueAt: item.noticeDueAt,
        obligations: item.obligations.map((o) => [o.regulationId, o.dueAt]),
      }).toEqual({
        tenantId: item.tenantId,
        ...expected,
      });
      for (const o of item.obligations) {
        const rule = rules.get(o.regulationId) as Rule;
        expect(o).toEqual({
          regulationId: rule.id,
          notifier: rule.notifier,
          recipient: rule.recipient,
          dueAt: o.dueAt,
          dueText: rule.dueText,
          citation: rule.citation,
        });
      }
    }
  });

  it('should make noticeDueAt the earliest provider deadline and the incident earliestNoticeDueAt the earliest of those', async () => {
    const { items } = await allPages('');
    for (const item of items) {
      const providerDues = item.obligations
        .filter((o) => o.notifier === 'provider' && o.dueAt !== null)
        .map((o) => o.dueAt as string);
      expect(providerDues).toContain(
        item.obligations.find((o) => o.regulationId === 'contract')?.dueAt,
      );
      expect(item.noticeDueAt).toBe(providerDues.sort()[0]);
    }
    const incident = await t.http.get(`/v1/incidents/${incidentId}`).set(bearer(auditor));
    expect(incident.body).toMatchObject({
      affectedTenantCount: 5,
      earliestNoticeDueAt: '2026-10-30T08:00:00.000Z',
      rulesVersion: '2026-11-28',
    });
  });

  it('should count the resolved tenants in herald_incident_tenants_resolved_total when an incident is resolved', async () => {
    const metrics = await t.http.get('/metrics');
    expect(metrics.text).toMatch(/^herald_incident_tenants_resolved_total 5$/m);
  });

  it('should affect a tenant listed by id or sharing a value with every given list when the scope mixes them', async () => {
    const post = await t.http
      .post('/v1/incidents')
      .set(bearer(reporter))
      .send(
        incidentBody({
          awareAt: AWARE_AT,
          occurredAt: undefined,
          scope: { tenantIds: ['br'], services: ['mail', 'files'], countries: ['US'] },
        }),
      );
    expect(post.status).toBe(202);
    const id = post.body.id as string;
    await eventually(async () =>
      (await t.http.get(`/v1/incidents/${id}`).set(bearer(auditor))).body.status ===
      'awaiting-review'
        ? true
        : undefined,
    );
    const res = await t.http.get(`/v1/incidents/${id}/tenants`).set(bearer(auditor));
    // br by id; us-ca through its country US; fed directly; the DE tenants share no country.
    expect(res.body.items.map((i: TenantItem) => i.tenantId)).toEqual(['br', 'fed', 'us-ca']);
  });

  it('should page through the tenants with the cursor when the limit is smaller than the list', async () => {
    const first = await tenantsPage('?limit=2');
    expect(first.body.items.map((i: TenantItem) => i.tenantId)).toEqual(['br', 'de-24h']);
    expect(typeof first.body.nextCursor).toBe('string');
    const { items, pages } = await allPages('?limit=2');
    expect(pages).toBe(3);
    expect(items).toHaveLength(5);
    const exact = await tenantsPage('?limit=5');
    expect(exact.body.items).toHaveLength(5);
    expect(exact.body.nextCursor).toBeNull();
  });

  it('should return only the tenants holding that obligation when filtered by regulationId', async () => {
    expect((await allPages('?regulationId=gdpr-art33-1')).items.map((i) => i.tenantId)).toEqual([
      'de-24h',
      'de-default',
    ]);
    expect((await allPages('?regulationId=br-lgpd-48')).items.map((i) => i.tenantId)).toEqual([
      'br',
    ]);
    expect((await allPages('?regulationId=contract&limit=1')).items).toHaveLength(5);
    expect((await allPages('?regulationId=hipaa-164-410')).items).toEqual([]);
  });

  it('should return only the tenants whose notice falls due earlier when filtered by dueBefore', async () => {
    const early = await allPages(`?dueBefore=${encodeURIComponent('2026-11-01T00:00:00Z')}`);
    expect(early.items.map((i) => i.tenantId)).toEqual(['de-24h', 'fed']);
    // Strictly before: a tenant due exactly then is not included.
    expect(
      (await allPages(`?dueBefore=${encodeURIComponent('2026-10-31T07:00:00Z')}`)).items.map(
        (i) => i.tenantId,
      ),
    ).toEqual(['fed']);
    const both = await allPages(
      `?regulationId=gdpr-art33-2&dueBefore=${encodeURIComponent('2026-11-01T00:00:00+01:00')}&limit=1`,
    );
    expect(both.items.map((i) => i.tenantId)).toEqual(['de-24h']);
  });

  it('should name the bad query parameter when the query is invalid', async () => {
    for (const [query, path] of [
      ['?limit=0', 'limit'],
      ['?limit=1001', 'limit'],
      ['?dueBefore=tomorrow', 'dueBefore'],
      ['?cursor=not-a-cursor', 'cursor'],
      ['?tenant=de-24h', 'tenant'],
    ]) {
      const res = await tenantsPage(query);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect(errorPaths(res)).toEqual([path]);
    }
    expect(
      (
        await t.http
          .get('/v1/incidents/00000000-0000-4000-8000-000000000000/tenants')
          .set(bearer(auditor))
      ).status,
    ).toBe(404);
  });

  it('should show the list to reporter, comms and auditor keys but not to a tenant key', async () => {
    const comms = await t.key(['comms']);
    for (const key of [reporter, comms, auditor])
      expect((await tenantsPage('', key)).status).toBe(200);
    expect((await tenantsPage('', await t.key(['tenant'], 'br'))).status).toBe(403);
  });

  it('should apply no data-category rule when the incident touched no data', async () => {
    const post = await t.http
      .post('/v1/incidents')
      .set(bearer(reporter))
      .send(
        incidentBody({
          awareAt: AWARE_AT,
          occurredAt: undefined,
          scope: { tenantIds: ['de-default', 'us-ca'] },
          dataImpact: { categories: ['none'], description: 'No data was read' },
        }),
      );
    expect(post.status).toBe(202);
    const id = post.body.id as string;
    await eventually(async () =>
      (await t.http.get(`/v1/incidents/${id}`).set(bearer(auditor))).body.status ===
      'awaiting-review'
        ? true
        : undefined,
    );
    const res = await t.http.get(`/v1/incidents/${id}/tenants`).set(bearer(auditor));
    expect(
      res.body.items.map((i: TenantItem) => [i.tenantId, i.obligations.map((o) => o.regulationId)]),
    ).toEqual([
      ['de-default', ['contract', 'nis2-art23-1']],
      ['us-ca', ['contract']],
    ]);
  });
});
