import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { incidentBody } from '../factories/incident.factory.js';
import { tenantBody } from '../factories/tenant.factory.js';
import { query } from '../support/inspect.js';
import { createHttpApp } from '../../src/app.factory.js';
import { loadConfig } from '../../src/config/app-config.js';
import { bearer, eventually, startTestApp, TestApp, testEnv } from '../support/test-app.js';

// Issue 3: an operator overrides and adds rules with RULES_PATH, without a code change; the
// obligations follow, and the rules version recorded with them names the override.

const AWARE_AT = '2026-11-20T12:00:00Z';

const override = {
  rules: [
    {
      // Replaces the shipped GDPR Art. 33(2) rule ("without undue delay") with a fixed 24 hours.
      id: 'gdpr-art33-2',
      notifier: 'provider',
      recipient: 'tenant',
      when: { countries: ['EEA'], dataCategories: ['personal-data'] },
      deadline: { amount: 24, unit: 'hours' },
      dueText: 'Within 24 hours of awareness (operator policy).',
      citation: 'GDPR Art. 33(2); operator policy 7.1',
    },
    {
      // A new rule is appended.
      id: 'operator-finance-12h',
      notifier: 'provider',
      recipient: 'tenant',
      when: { industries: ['finance'] },
      deadline: { amount: 12, unit: 'hours' },
      dueText: 'Finance customers hear from us within 12 hours.',
      citation: 'Operator finance addendum',
    },
  ],
};

describe('resolution: RULES_PATH overrides', () => {
  let t: TestApp;
  let auditor: string;
  let expectedVersion: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-rules-'));
    const path = join(dir, 'operator.json');
    const contents = JSON.stringify(override, null, 2);
    writeFileSync(path, contents);
    expectedVersion = `2026-11-28+operator.json@${createHash('sha256').update(contents).digest('hex').slice(0, 8)}`;
    t = await startTestApp({ RULES_PATH: path });
    auditor = await t.key(['auditor']);
    const tenants = [
      tenantBody({ id: 'de', countries: ['DE'] }),
      tenantBody({ id: 'de-finance', countries: ['DE'], industries: ['finance'] }),
      tenantBody({ id: 'us', countries: ['US'] }),
    ];
    expect(
      (await t.http.post('/v1/tenants/bulk').set(bearer(t.adminKey)).send({ tenants })).status,
    ).toBe(200);
  });
  afterAll(async () => {
    await t.close();
  });

  it('should refuse to start naming the file, rule and field when an override is invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-rules-'));
    const path = join(dir, 'broken.json');
    writeFileSync(
      path,
      JSON.stringify({
        rules: [{ ...override.rules[0], deadline: { amount: 24, unit: 'fortnights' } }],
      }),
    );
    await expect(
      createHttpApp(loadConfig(testEnv(t.databaseUrl, { RULES_PATH: path, LOG_LEVEL: 'error' }))),
    ).rejects.toThrow(/broken\.json.*rules\[0\].*deadline/s);
  });

  it('should publish the overridden and added rules under a version naming the override file', async () => {
    const res = await t.http.get('/v1/regulations').set(bearer(auditor));
    expect(res.body.version).toBe(expectedVersion);
    expect(res.body.items).toHaveLength(29);
    const byId = new Map(
      (res.body.items as Array<{ id: string }>).map((r, i) => [r.id, { ...r, index: i }]),
    );
    expect(byId.get('gdpr-art33-2')).toMatchObject({
      index: 1,
      deadline: { amount: 24, unit: 'hours' },
      citation: 'GDPR Art. 33(2); operator policy 7.1',
    });
    expect(byId.get('operator-finance-12h')).toMatchObject({ index: 28 });
  });

  it('should resolve with the overridden rules and record that rules version with every tenant', async () => {
    const reporter = await t.key(['reporter']);
    const post = await t.http
      .post('/v1/incidents')
      .set(bearer(reporter))
      .send(
        incidentBody({ awareAt: AWARE_AT, occurredAt: undefined, scope: { services: ['mail'] } }),
      );
    expect(post.status).toBe(202);
    const id = post.body.id as string;
    const incident = await eventually(async () => {
      const r = await t.http.get(`/v1/incidents/${id}`).set(bearer(auditor));
      return r.body.status === 'awaiting-review' ? r.body : undefined;
    });
    expect(incident).toMatchObject({
      rulesVersion: expectedVersion,
      affectedTenantCount: 3,
      earliestNoticeDueAt: '2026-11-21T00:00:00.000Z',
    });

    const items = (await t.http.get(`/v1/incidents/${id}/tenants`).set(bearer(auditor))).body
      .items as Array<{
      tenantId: string;
      noticeDueAt: string;
      rulesVersion: string;
      obligations: Array<{ regulationId: string; dueAt: string | null; citation: string }>;
    }>;
    const byTenant = Object.fromEntries(items.map((i) => [i.tenantId, i]));
    // Shipped rules: gdpr-art33-2 has no fixed deadline, so the 72-hour contract would set it.
    expect(byTenant.de.noticeDueAt).toBe('2026-11-21T12:00:00.000Z');
    expect(byTenant.de.obligations.find((o) => o.regulationId === 'gdpr-art33-2')).toMatchObject({
      dueAt: '2026-11-21T12:00:00.000Z',
      citation: 'GDPR Art. 33(2); operator policy 7.1',
    });
    expect(byTenant['de-finance'].noticeDueAt).toBe('2026-11-21T00:00:00.000Z');
    expect(byTenant['de-finance'].obligations.map((o) => o.regulationId)).toContain(
      'operator-finance-12h',
    );
    expect(byTenant.us.noticeDueAt).toBe('2026-11-23T12:00:00.000Z');
    expect(items.every((i) => i.rulesVersion === expectedVersion)).toBe(true);

    const stored = await query<{ rules_version: string }>(
      t,
      'SELECT DISTINCT rules_version FROM incident_tenants WHERE incident_id = $1',
      [id],
    );
    expect(stored).toEqual([{ rules_version: expectedVersion }]);
    // The version's content is kept, so these obligations can be explained after the override is gone.
    const kept = await query<{ citation: string }>(
      t,
      `SELECT r->>'citation' AS citation FROM rule_sets, jsonb_array_elements(content->'rules') r WHERE version = $1 AND r->>'id' = 'gdpr-art33-2'`,
      [expectedVersion],
    );
    expect(kept).toEqual([{ citation: 'GDPR Art. 33(2); operator policy 7.1' }]);
  });
});
