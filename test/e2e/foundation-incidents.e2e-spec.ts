import { incidentBody } from '../factories/incident.factory.js';
import { tenantBody } from '../factories/tenant.factory.js';
import { expectConformant } from '../support/api-client.js';
import { errorPaths, query } from '../support/inspect.js';
import { allPages, bearer, eventually, startTestApp, TestApp } from '../support/test-app.js';

// Issue 2: incident intake (idempotent by externalId), the incident view and PATCH.
describe('foundation: incidents', () => {
  let t: TestApp;
  let reporter: string;
  let auditor: string;

  const getIncident = async (id: string) => {
    const res = await t.http.get(`/v1/incidents/${id}`).set(bearer(auditor));
    await expectConformant(t, res);
    return res.body as Record<string, unknown>;
  };
  const awaitingReview = (id: string) =>
    eventually(async () => {
      const body = await getIncident(id);
      return body.status === 'awaiting-review' ? body : undefined;
    });
  /** Posts an incident (202) and waits until it is resolved; returns its id. */
  const postResolved = async (overrides: Record<string, unknown>): Promise<string> => {
    const post = await t.http
      .post('/v1/incidents')
      .set(bearer(reporter))
      .send(incidentBody(overrides));
    expect(post.status).toBe(202);
    await awaitingReview(post.body.id as string);
    return post.body.id as string;
  };

  beforeAll(async () => {
    t = await startTestApp();
    reporter = await t.key(['reporter'], undefined, 'siem');
    auditor = await t.key(['auditor'], undefined, 'audit');
    const tenants = [
      tenantBody({
        id: 'mail-de',
        services: ['mail'],
        countries: ['DE'],
        contractualNoticeHours: 48,
      }),
      tenantBody({ id: 'mail-us', services: ['mail'], countries: ['US'] }),
      tenantBody({ id: 'files-de', services: ['files'], countries: ['DE'] }),
    ];
    expect(
      (await t.http.post('/v1/tenants/bulk').set(bearer(t.adminKey)).send({ tenants })).status,
    ).toBe(200);
  });
  afterAll(async () => {
    await t.close();
  });

  describe('POST /v1/incidents', () => {
    it('should answer 202 with exactly id, externalId and status when an incident is new', async () => {
      const body = incidentBody({ externalId: 'INC-accepted' });
      const res = await t.http.post('/v1/incidents').set(bearer(reporter)).send(body);
      expect(res.status).toBe(202);
      await expectConformant(t, res);
      expect(Object.keys(res.body).sort()).toEqual(['externalId', 'id', 'status']);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        externalId: 'INC-accepted',
        status: 'resolving',
      });
      expect(res.headers.location).toBe(`/v1/incidents/${res.body.id}`);
    });

    it('should return the same incident with 200 and resolve and draft only once when the same body is posted again', async () => {
      const body = incidentBody({
        externalId: 'INC-replayed',
        scope: { services: ['mail', 'files'] },
      });
      const first = await t.http.post('/v1/incidents').set(bearer(reporter)).send(body);
      expect(first.status).toBe(202);
      const id = first.body.id as string;

      // Same body, keys in another order and scope values reordered: still the same request.
      const reordered = {
        ...Object.fromEntries(Object.entries(body).reverse()),
        scope: { services: ['files', 'mail'] },
      };
      const second = await t.http.post('/v1/incidents').set(bearer(reporter)).send(reordered);
      expect(second.status).toBe(200);
      expect(second.body).toEqual({ id, externalId: 'INC-replayed', status: expect.any(String) });

      await awaitingReview(id);
      const notices = await eventually(async () => {
        const r = await t.http.get(`/v1/incidents/${id}/notices`).set(bearer(auditor));
        return r.body.items?.length ? r.body.items : undefined;
      });
      const third = await t.http.post('/v1/incidents').set(bearer(reporter)).send(body);
      expect(third.status).toBe(200);
      expect(third.body.id).toBe(id);

      // Give a wrongly enqueued second resolution the time to show itself.
      await new Promise((r) => setTimeout(r, 1000));
      expect(notices).toHaveLength(1);
      expect(
        (await t.http.get(`/v1/incidents/${id}/notices`).set(bearer(auditor))).body.items,
      ).toHaveLength(1);
      const events = await query<{ action: string; n: string }>(
        t,
        `SELECT action, count(*)::text AS n FROM audit_events WHERE incident_id = $1 GROUP BY action ORDER BY action`,
        [id],
      );
      expect(Object.fromEntries(events.map((e) => [e.action, Number(e.n)]))).toMatchObject({
        'incident.created': 1,
        'incident.resolved': 1,
        'notice.drafted': 1,
      });
      expect(
        (await query(t, `SELECT 1 FROM incidents WHERE external_id = 'INC-replayed'`)).length,
      ).toBe(1);
    });

    it('should accept one and replay the rest when the same incident is posted several times at once', async () => {
      const body = incidentBody({ externalId: 'INC-burst' });
      const responses = await Promise.all(
        Array.from({ length: 6 }, () =>
          t.http.post('/v1/incidents').set(bearer(reporter)).send(body),
        ),
      );
      expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 202]);
      const ids = new Set(responses.map((r) => r.body.id as string));
      expect(ids.size).toBe(1);
      const [id] = [...ids];
      await awaitingReview(id);
      const resolved = await query(
        t,
        `SELECT 1 FROM audit_events WHERE incident_id = $1 AND action = 'incident.resolved'`,
        [id],
      );
      expect(resolved).toHaveLength(1);
    });

    it('should answer 409 and change nothing when the same externalId comes with another body', async () => {
      const body = incidentBody({ externalId: 'INC-conflict' });
      const first = await t.http.post('/v1/incidents').set(bearer(reporter)).send(body);
      expect(first.status).toBe(202);
      const res = await t.http
        .post('/v1/incidents')
        .set(bearer(reporter))
        .send({ ...body, severity: 'critical' });
      expect(res.status).toBe(409);
      expect(res.headers['content-type']).toContain('application/problem+json');
      await expectConformant(t, res);
      expect(res.body.detail).toContain('INC-conflict');
      expect(res.body.detail).toContain(first.body.id);
      expect((await getIncident(first.body.id as string)).severity).toBe('high');
    });

    it('should name every bad field when an incident is invalid', async () => {
      const res = await t.http
        .post('/v1/incidents')
        .set(bearer(reporter))
        .send(
          incidentBody({
            severity: 'catastrophic',
            phase: 'panic',
            awareAt: '27/11/2026 08:00',
            occurredAt: '2099-01-01T00:00:00Z',
            dataImpact: { categories: ['none', 'personal'], description: 'x', extra: true },
            actionsTaken: ['ok', ''],
            scope: {
              tenantIds: ['bad id'],
              countries: ['DE', 'ZZ'],
              services: ['mail'],
              planets: ['mars'],
            },
            reporterNotes: 'unknown',
          }),
        );
      expect(res.status).toBe(400);
      await expectConformant(t, res);
      expect(errorPaths(res)).toEqual(
        expect.arrayContaining([
          'severity',
          'phase',
          'awareAt',
          'occurredAt',
          'dataImpact.categories',
          'dataImpact.extra',
          'actionsTaken[1]',
          'scope.tenantIds[0]',
          'scope.countries[1]',
          'scope.planets',
          'reporterNotes',
        ]),
      );
      expect(
        (
          await query(
            t,
            `SELECT 1 FROM incidents WHERE title = 'Unauthorized access to mail storage' AND severity = 'catastrophic'`,
          )
        ).length,
      ).toBe(0);
    });

    it('should name awareAt when it is in the future and scope when it is empty', async () => {
      const future = await t.http
        .post('/v1/incidents')
        .set(bearer(reporter))
        .send(incidentBody({ awareAt: new Date(Date.now() + 3_600_000).toISOString() }));
      expect(future.status).toBe(400);
      expect(errorPaths(future)).toEqual(['awareAt']);
      const empty = await t.http
        .post('/v1/incidents')
        .set(bearer(reporter))
        .send(incidentBody({ scope: { services: [] } }));
      expect(empty.status).toBe(400);
      expect(errorPaths(empty)).toEqual(['scope']);
    });
  });

  describe('GET /v1/incidents/{id}', () => {
    it('should show status, affected count, earliest notice deadline and delivery counts when resolved', async () => {
      const post = await t.http
        .post('/v1/incidents')
        .set(bearer(reporter))
        .send(
          incidentBody({
            externalId: 'INC-view',
            awareAt: '2026-11-20T10:00:00Z',
            occurredAt: undefined,
            scope: { services: ['mail'] },
          }),
        );
      const view = await awaitingReview(post.body.id as string);
      expect(view).toMatchObject({
        id: post.body.id,
        externalId: 'INC-view',
        status: 'awaiting-review',
        affectedTenantCount: 2,
        // mail-de promised 48 hours; mail-us has the 72-hour default.
        earliestNoticeDueAt: '2026-11-22T10:00:00.000Z',
        awareAt: '2026-11-20T10:00:00.000Z',
        occurredAt: null,
        deliveries: { queued: 0, sent: 0, failed: 0 },
        createdBy: 'siem',
        scope: { services: ['mail'] },
      });
    });

    it('should answer 404 for an unknown id and 400 naming id for a malformed one', async () => {
      const missing = await t.http
        .get('/v1/incidents/00000000-0000-4000-8000-000000000000')
        .set(bearer(auditor));
      expect(missing.status).toBe(404);
      const malformed = await t.http.get('/v1/incidents/INC-view').set(bearer(auditor));
      expect(malformed.status).toBe(400);
      expect(errorPaths(malformed)).toEqual(['id']);
    });
  });

  describe('GET /v1/incidents', () => {
    it('should list every incident once, newest first, across pages, and filter by status', async () => {
      const made: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await t.http
          .post('/v1/incidents')
          .set(bearer(reporter))
          .send(incidentBody({ externalId: `INC-listed-${i}`, scope: { services: ['files'] } }));
        expect(res.status).toBe(202);
        made.push(res.body.id as string);
      }
      for (const id of made) await awaitingReview(id);

      type Listed = { id: string; createdAt: string; status: string };
      const pages = await allPages<Listed>(t, '/v1/incidents', auditor, 2);
      for (const page of pages) expect(page[0]).not.toHaveProperty('deliveries');
      const seen = pages.flat();
      const ids = seen.map((i) => i.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.slice(0, 3)).toEqual([...made].reverse());
      const times = seen.map((i) => Date.parse(i.createdAt));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      const [{ count }] = await query<{ count: number }>(
        t,
        'SELECT count(*)::int AS count FROM incidents',
      );
      expect(ids).toHaveLength(count);

      const reviewing = await t.http
        .get('/v1/incidents?status=awaiting-review&limit=1000')
        .set(bearer(auditor));
      const statuses = (reviewing.body.items as Listed[]).map((i) => i.status);
      expect(statuses.length).toBeGreaterThanOrEqual(3);
      expect(new Set(statuses)).toEqual(new Set(['awaiting-review']));
    });
  });

  describe('GET /v1/incidents/{id}/scope/tenant-ids', () => {
    // 3,000 ids of 24 characters: 78 KB of scope that a list used to repeat for each incident.
    const tenantIds = Array.from(
      { length: 3000 },
      (_, i) => `scope-tenant-${String(i).padStart(6, '0')}-x`,
    );
    let id: string;
    beforeAll(async () => {
      id = await postResolved({
        externalId: 'INC-wide-scope',
        scope: { tenantIds: [...tenantIds].reverse(), services: ['files'] },
      });
    });

    it('should list incidents with a tenant id count instead of the ids when a scope is long', async () => {
      const res = await t.http.get('/v1/incidents?limit=1000').set(bearer(auditor));
      expect(res.status).toBe(200);
      const items = res.body.items as Array<{ id: string; scope: Record<string, unknown> }>;
      const wide = items.find((i) => i.id === id);
      expect(wide?.scope).toEqual({ services: ['files'], tenantIdCount: 3000 });
      for (const item of items) expect(item.scope).not.toHaveProperty('tenantIds');
      expect(res.text.length).toBeLessThan(2000 * items.length);
      const one = await getIncident(id);
      expect(one.scope).toEqual({ tenantIds, services: ['files'], tenantIdCount: 3000 });
    });

    it('should page through every tenant id once, in order, when the scope is walked', async () => {
      type Item = { tenantId: string };
      const pages = await allPages<Item>(t, `/v1/incidents/${id}/scope/tenant-ids`, auditor, 1000);
      expect(pages.map((p) => p.length)).toEqual([1000, 1000, 1000]);
      expect(pages.flat().map((i) => i.tenantId)).toEqual(tenantIds);
      const small = await allPages<Item>(t, `/v1/incidents/${id}/scope/tenant-ids`, reporter, 37);
      expect(small.flat().map((i) => i.tenantId)).toEqual(tenantIds);
    });

    it('should answer an empty page for a scope without tenant ids and 404 for an unknown incident', async () => {
      const byService = await t.http
        .post('/v1/incidents')
        .set(bearer(reporter))
        .send(incidentBody({ externalId: 'INC-no-ids', scope: { services: ['files'] } }));
      expect(byService.status).toBe(202);
      const empty = await t.http
        .get(`/v1/incidents/${byService.body.id as string}/scope/tenant-ids`)
        .set(bearer(auditor));
      expect(empty.status).toBe(200);
      expect(empty.body).toEqual({ items: [], nextCursor: null });
      const missing = await t.http
        .get('/v1/incidents/00000000-0000-4000-8000-000000000000/scope/tenant-ids')
        .set(bearer(auditor));
      expect(missing.status).toBe(404);
    });
  });

  describe('PATCH /v1/incidents/{id}', () => {
    let id: string;
    beforeAll(async () => {
      id = await postResolved({
        externalId: 'INC-patched',
        phase: 'detection',
        actionsTaken: ['Isolated the host'],
        scope: { tenantIds: ['files-de'] },
      });
    });

    it('should move the phase forward and add only new actions when patched', async () => {
      const res = await t.http
        .patch(`/v1/incidents/${id}`)
        .set(bearer(reporter))
        .send({ phase: 'containment', actionsTaken: ['Isolated the host', 'Reset all sessions'] });
      expect(res.status).toBe(200);
      await expectConformant(t, res);
      expect(res.body).toMatchObject({
        id,
        phase: 'containment',
        actionsTaken: ['Isolated the host', 'Reset all sessions'],
        status: 'awaiting-review',
      });
      expect(await getIncident(id)).toMatchObject({
        phase: 'containment',
        actionsTaken: ['Isolated the host', 'Reset all sessions'],
      });
    });

    it('should answer 409 when the phase would go back', async () => {
      const res = await t.http
        .patch(`/v1/incidents/${id}`)
        .set(bearer(reporter))
        .send({ phase: 'detection' });
      expect(res.status).toBe(409);
      await expectConformant(t, res);
      expect(res.body.detail).toContain('cannot go back');
      expect((await getIncident(id)).phase).toBe('containment');
    });

    it('should widen the scope and resolve the newly affected tenants when patched with a wider scope', async () => {
      const res = await t.http
        .patch(`/v1/incidents/${id}`)
        .set(bearer(reporter))
        .send({ scope: { tenantIds: ['files-de', 'mail-us'] } });
      expect(res.status).toBe(200);
      expect(res.body.scope).toEqual({ tenantIds: ['files-de', 'mail-us'], tenantIdCount: 2 });
      const view = await eventually(async () => {
        const body = await getIncident(id);
        return body.status === 'awaiting-review' && body.affectedTenantCount === 2
          ? body
          : undefined;
      });
      expect(view.affectedTenantCount).toBe(2);
    });

    it('should name the bad fields when a patch is invalid and 404 an unknown incident', async () => {
      const bad = await t.http
        .patch(`/v1/incidents/${id}`)
        .set(bearer(reporter))
        .send({ phase: 'done', title: 'renamed' });
      expect(bad.status).toBe(400);
      expect(errorPaths(bad).sort()).toEqual(['phase', 'title']);
      const unknown = await t.http
        .patch('/v1/incidents/00000000-0000-4000-8000-000000000000')
        .set(bearer(reporter))
        .send({ phase: 'recovery' });
      expect(unknown.status).toBe(404);
    });
  });
});

describe('incident intake idempotency, normalized', () => {
  let t: TestApp;
  let reporter: string;
  beforeAll(async () => {
    t = await startTestApp();
    reporter = await t.key(['reporter']);
  });
  afterAll(async () => {
    await t.close();
  });

  it('should treat the same instant in another offset and categories in another order as the same body', async () => {
    const body = incidentBody({
      awareAt: '2026-11-27T09:00:00+01:00',
      occurredAt: undefined,
      dataImpact: { categories: ['phi', 'personal'], description: 'Some.' },
    });
    const first = await t.http.post('/v1/incidents').set(bearer(reporter)).send(body);
    expect(first.status).toBe(202);
    const again = await t.http
      .post('/v1/incidents')
      .set(bearer(reporter))
      .send({
        ...body,
        awareAt: '2026-11-27T08:00:00.000Z',
        dataImpact: { categories: ['personal', 'phi'], description: 'Some.' },
      });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const shown = await t.http.get(`/v1/incidents/${first.body.id}`).set(bearer(reporter));
    expect(shown.body.awareAt).toBe('2026-11-27T08:00:00.000Z');
    expect(shown.body.dataImpact.categories).toEqual(['personal', 'phi']);
  });
});
