import {
  countSeeded,
  inMailScope,
  SEED_TENANTS_SQL,
  seedTenantId,
} from '../../scripts/resolve-bench-seed.js';
import { IncidentsService } from '../../src/incidents/incidents.service.js';
import { incidentBody } from '../factories/incident.factory.js';
import { query, queryOne } from '../support/inspect.js';
import { bearer, eventually, startTestApp, TestApp } from '../support/test-app.js';

// Issue 3: resolution over a directory of 100,000 tenants, correct and in bounded memory.
// Wall time and peak RSS are printed, not asserted: this machine is not a benchmark rig.

const TENANTS = 100_000;
const AWARE_AT = '2026-11-20T10:00:00Z';

describe('resolution at 100,000 tenants', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'warn' });
    const started = Date.now();
    await query(t, SEED_TENANTS_SQL, [TENANTS]);
    await query(t, 'ANALYZE tenants');
    console.log(`seeded ${TENANTS} tenants in ${Date.now() - started} ms`);
  }, 120_000);
  afterAll(async () => {
    await t.close();
  });

  it('should resolve every tenant in scope with the right deadlines when the directory holds 100,000 tenants', async () => {
    const reporter = await t.key(['reporter']);
    const auditor = await t.key(['auditor']);
    let peakRss = process.memoryUsage().rss;
    const baseRss = peakRss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 50);
    const started = Date.now();
    let incident: Record<string, unknown>;
    try {
      const post = await t.http
        .post('/v1/incidents')
        .set(bearer(reporter))
        .send(
          incidentBody({ awareAt: AWARE_AT, occurredAt: undefined, scope: { services: ['mail'] } }),
        );
      expect(post.status).toBe(202);
      incident = await eventually(
        async () => {
          const r = await t.http.get(`/v1/incidents/${post.body.id}`).set(bearer(auditor));
          return r.body.status === 'awaiting-review'
            ? (r.body as Record<string, unknown>)
            : undefined;
        },
        300_000,
        250,
      );
    } finally {
      clearInterval(sampler);
    }
    const wallMs = Date.now() - started;
    const mb = (b: number) => Math.round(b / 1_048_576);
    console.log(
      `RESULT ${JSON.stringify({ tenants: TENANTS, affected: incident.affectedTenantCount, wallMs, baseRssMb: mb(baseRss), peakRssMb: mb(peakRss) })}`,
    );

    const id = incident.id as string;
    const inScope = inMailScope;
    expect(incident.affectedTenantCount).toBe(countSeeded(TENANTS, inScope));
    expect(incident.earliestNoticeDueAt).toBe('2026-11-21T10:00:00.000Z');

    const counts = await queryOne<{
      rows: string;
      out_of_scope: string;
      due_24h: string;
      br: string;
      gdpr: string;
      versions: string;
    }>(
      t,
      `SELECT count(*)::text AS rows,
              count(*) FILTER (WHERE substr(tenant_id, 6)::integer % 5 = 0)::text AS out_of_scope,
              count(*) FILTER (WHERE notice_due_at = '2026-11-21T10:00:00Z')::text AS due_24h,
              count(*) FILTER (WHERE obligations @> '[{"regulationId": "br-lgpd-48"}]')::text AS br,
              count(*) FILTER (WHERE obligations @> '[{"regulationId": "gdpr-art33-1"}]')::text AS gdpr,
              count(DISTINCT rules_version)::text AS versions
       FROM incident_tenants WHERE incident_id = $1`,
      [id],
    );
    expect(counts).toEqual({
      rows: String(countSeeded(TENANTS, inScope)),
      out_of_scope: '0',
      due_24h: String(countSeeded(TENANTS, (g) => inScope(g) && g % 3 === 0)),
      br: String(countSeeded(TENANTS, (g) => inScope(g) && g % 4 === 2)),
      gdpr: String(countSeeded(TENANTS, (g) => inScope(g) && g % 4 === 0)),
      versions: '1',
    });

    const sample = async (g: number) => {
      const [item] = await t.app
        .get(IncidentsService)
        .tenants(id, { tenantId: seedTenantId(g) }, 1);
      return {
        noticeDueAt: item.noticeDueAt,
        obligations: item.obligations.map((o) => [o.regulationId, o.dueAt]),
      };
    };
    // g = 1: US-CA, default hours; 30 Los Angeles days.
    expect(await sample(1)).toEqual({
      noticeDueAt: '2026-11-23T10:00:00.000Z',
      obligations: [
        ['contract', '2026-11-23T10:00:00.000Z'],
        ['ca-civ-1798-82b', null],
        ['ca-civ-1798-82a', '2026-12-20T10:00:00.000Z'],
      ],
    });
    // g = 3: JP, 24 contractual hours.
    expect(await sample(3)).toEqual({
      noticeDueAt: '2026-11-21T10:00:00.000Z',
      obligations: [
        ['contract', '2026-11-21T10:00:00.000Z'],
        ['jp-appi-26-trustee', null],
        ['jp-appi-26-final', '2026-12-20T10:00:00.000Z'],
      ],
    });
    // g = 99998: BR, default hours; 3 business days from Fri 20 Nov: Mon 23, Tue 24, Wed 25 23:59:59 -03:00.
    expect(await sample(99_998)).toEqual({
      noticeDueAt: '2026-11-23T10:00:00.000Z',
      obligations: [
        ['contract', '2026-11-23T10:00:00.000Z'],
        ['br-lgpd-48', '2026-11-26T02:59:59.000Z'],
      ],
    });
    // g = 99996: DE, 24 contractual hours.
    expect(await sample(99_996)).toEqual({
      noticeDueAt: '2026-11-21T10:00:00.000Z',
      obligations: [
        ['contract', '2026-11-21T10:00:00.000Z'],
        ['gdpr-art33-2', null],
        ['nis2-art23-1', null],
        ['gdpr-art33-1', '2026-11-23T10:00:00.000Z'],
        ['gdpr-art34', null],
      ],
    });
    // g = 100000 is a files tenant: not affected.
    expect(
      await t.app.get(IncidentsService).tenants(id, { tenantId: seedTenantId(100_000) }, 1),
    ).toEqual([]);
  }, 600_000);

  it('should end with every tenant of the wider scope, once, when the scope widens while the first resolution runs', async () => {
    const reporter = await t.key(['reporter']);
    const auditor = await t.key(['auditor']);
    const post = await t.http
      .post('/v1/incidents')
      .set(bearer(reporter))
      .send(
        incidentBody({ awareAt: AWARE_AT, occurredAt: undefined, scope: { services: ['mail'] } }),
      );
    expect(post.status).toBe(202);
    const id = post.body.id as string;
    // Widen as soon as the first resolution has stored some tenants, long before it is done.
    await eventually(
      async () =>
        (await query(t, 'SELECT 1 FROM incident_tenants WHERE incident_id = $1 LIMIT 1', [id]))
          .length > 0
          ? true
          : undefined,
      60_000,
      20,
    );
    const patch = await t.http
      .patch(`/v1/incidents/${id}`)
      .set(bearer(reporter))
      .send({ scope: { services: ['files', 'mail'] } });
    expect(patch.status).toBe(200);
    expect(patch.body.status).toBe('resolving');

    // The stale first resolution must not end the incident's resolving with its narrower count.
    const first = await eventually(
      async () => {
        const r = await t.http.get(`/v1/incidents/${id}`).set(bearer(auditor));
        return r.body.status !== 'resolving' ? (r.body as Record<string, unknown>) : undefined;
      },
      300_000,
      100,
    );
    expect(first).toMatchObject({
      status: 'awaiting-review',
      affectedTenantCount: TENANTS,
      earliestNoticeDueAt: '2026-11-21T10:00:00.000Z',
    });
    const resolved = await query<{ change: { scopeGeneration: number } }>(
      t,
      `SELECT change FROM audit_events WHERE incident_id = $1 AND action = 'incident.resolved'`,
      [id],
    );
    expect(resolved.map((r) => r.change.scopeGeneration)).toEqual([2]);
    const rows = await queryOne<{ n: string; distinct_tenants: string }>(
      t,
      'SELECT count(*)::text AS n, count(DISTINCT tenant_id)::text AS distinct_tenants FROM incident_tenants WHERE incident_id = $1',
      [id],
    );
    expect(rows).toEqual({ n: String(TENANTS), distinct_tenants: String(TENANTS) });
    await eventually(async () =>
      (await t.http.get(`/v1/incidents/${id}/notices`).set(bearer(auditor))).body.items?.length
        ? true
        : undefined,
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(
      (await t.http.get(`/v1/incidents/${id}/notices`).set(bearer(auditor))).body.items,
    ).toHaveLength(1);
  }, 600_000);
});
