import { tenantBody } from '../factories/tenant.factory.js';
import { buildFixtures, newDraft, SecurityFixtures } from '../support/security.js';
import { bearer, startTestApp, TestApp } from '../support/test-app.js';

// The tenant-isolation and role matrix: every endpoint × every kind of caller, with the
// status each cell must answer (docs/api.md: a missing or unknown key is 401, a known key with
// the wrong role or for the wrong tenant is 403). To cover a new endpoint, add a row to
// ROUTES; the completeness test fails until every route the app serves has one.

const CALLERS = [
  'admin',
  'reporter',
  'comms',
  'auditor',
  'tenant',
  'otherTenant',
  'noKey',
  'unknownKey',
  'revokedKey',
] as const;
type Caller = (typeof CALLERS)[number];
type Role = 'reporter' | 'comms' | 'auditor' | 'tenant';

interface Vars {
  tenant: string;
  incident: string;
  notice: string;
  [name: string]: string;
}

interface Route {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** With {tenant}, {incident}, {notice} or a name that `fresh` provides. */
  path: string;
  /** 'public' needs no key; otherwise the roles besides admin that may call it. */
  allow: 'public' | Role[];
  /** The route acts on tenant {tenant}: only that tenant's own key may use its tenant role here. */
  tenantScoped?: boolean;
  /** The status an allowed caller gets. */
  ok: number;
  body?: (v: Vars) => object;
  accept?: string;
  /** Per call: records a call may consume (a key to delete, a draft to approve). */
  fresh?: () => Promise<Record<string, string>>;
}

/** The route pattern as Express registers it, e.g. `GET /v1/notices/:id/preview`. */
function routeKey(r: Pick<Route, 'method' | 'path'>): string {
  const path = r.path.split('?')[0].replace('{webhook}', ':webhookId');
  return `${r.method.toUpperCase()} ${path.replace(/\{\w+\}/g, ':id')}`;
}

function expected(route: Route, caller: Caller): number {
  if (route.allow === 'public') return route.ok;
  if (caller === 'noKey' || caller === 'unknownKey' || caller === 'revokedKey') return 401;
  if (caller === 'admin') return route.ok;
  if (caller === 'tenant' || caller === 'otherTenant') {
    if (!route.allow.includes('tenant')) return 403;
    return caller === 'otherTenant' && route.tenantScoped ? 403 : route.ok;
  }
  return route.allow.includes(caller) ? route.ok : 403;
}

describe('security: tenant isolation and roles', () => {
  let t: TestApp;
  let f: SecurityFixtures;
  let patchableNotice: string;
  const keys = {} as Record<Caller, string | undefined>;

  beforeAll(async () => {
    // Webhook endpoints on loopback can be registered (nothing calls them here).
    t = await startTestApp({ WEBHOOK_ALLOW_LOOPBACK: 'true' });
    f = await buildFixtures(t, 'mx');
    patchableNotice = await newDraft(t, f);
    const revoked = await t.http
      .post('/v1/api-keys')
      .set(bearer(t.adminKey))
      .send({ name: 'mx-revoked', roles: ['admin'] });
    expect(
      (await t.http.delete(`/v1/api-keys/${revoked.body.id}`).set(bearer(t.adminKey))).status,
    ).toBe(204);
    Object.assign(keys, {
      admin: t.adminKey,
      reporter: f.keys.reporter,
      comms: f.keys.comms,
      auditor: f.keys.auditor,
      tenant: f.keys.tenantA,
      otherTenant: f.keys.tenantB,
      noKey: undefined,
      unknownKey: `hk_${'A'.repeat(8)}_${'B'.repeat(43)}`,
      revokedKey: revoked.body.key as string,
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const throwawayKey = async () => {
    const res = await t.http
      .post('/v1/api-keys')
      .set(bearer(t.adminKey))
      .send({ name: `mx-throwaway-${Math.random()}`, roles: ['auditor'] });
    return { key: res.body.id as string };
  };
  const draft = async () => ({ draft: await newDraft(t, f) });
  const webhook = async () => {
    const res = await t.http
      .post(`/v1/tenants/${f.tenantA}/webhooks`)
      .set(bearer(t.adminKey))
      .send({ url: 'http://127.0.0.1:9/hook', events: ['notice.sent'] });
    return { webhook: res.body.id as string };
  };

  const ROUTES: Route[] = [
    { method: 'get', path: '/health/live', allow: 'public', ok: 200 },
    { method: 'get', path: '/health/ready', allow: 'public', ok: 200 },
    { method: 'get', path: '/metrics', allow: 'public', ok: 200 },
    { method: 'get', path: '/docs', allow: 'public', ok: 200 },
    { method: 'get', path: '/docs-json', allow: 'public', ok: 200 },

    {
      method: 'post',
      path: '/v1/api-keys',
      allow: [],
      ok: 201,
      body: () => ({ name: `mx-new-${Math.random()}`, roles: ['auditor'] }),
    },
    { method: 'get', path: '/v1/api-keys', allow: [], ok: 200 },
    { method: 'delete', path: '/v1/api-keys/{key}', allow: [], ok: 204, fresh: throwawayKey },

    {
      method: 'put',
      path: '/v1/tenants/{tenant}',
      allow: [],
      ok: 200,
      body: (v) => tenantBody({ id: v.tenant, services: ['mail'] }),
    },
    {
      method: 'post',
      path: '/v1/tenants/bulk',
      allow: [],
      ok: 200,
      body: () => ({ tenants: [tenantBody({ id: 'mx-c' })] }),
    },
    {
      method: 'get',
      path: '/v1/tenants/{tenant}',
      allow: ['auditor', 'tenant'],
      tenantScoped: true,
      ok: 200,
    },
    {
      method: 'put',
      path: '/v1/tenants/{tenant}/contacts',
      allow: ['tenant'],
      tenantScoped: true,
      ok: 200,
      body: (v) => ({
        contacts: [{ name: 'Ada Admin', email: `admin@${v.tenant}.example`, role: 'primary' }],
      }),
    },
    {
      method: 'post',
      path: '/v1/tenants/{tenant}/webhooks',
      allow: ['tenant'],
      tenantScoped: true,
      ok: 201,
      body: () => ({ url: 'http://127.0.0.1:9/hook', events: ['notice.sent'] }),
    },
    {
      method: 'get',
      path: '/v1/tenants/{tenant}/webhooks',
      allow: ['tenant'],
      tenantScoped: true,
      ok: 200,
    },
    {
      method: 'post',
      path: '/v1/tenants/{tenant}/webhooks/{webhook}/rotate',
      allow: ['tenant'],
      tenantScoped: true,
      ok: 200,
      fresh: webhook,
    },
    {
      method: 'delete',
      path: '/v1/tenants/{tenant}/webhooks/{webhook}',
      allow: ['tenant'],
      tenantScoped: true,
      ok: 204,
      fresh: webhook,
    },
    {
      method: 'get',
      path: '/v1/tenants/{tenant}/feed',
      allow: ['tenant'],
      tenantScoped: true,
      ok: 200,
    },
    {
      method: 'get',
      path: '/v1/tenants/{tenant}/feed.atom',
      allow: ['tenant'],
      tenantScoped: true,
      ok: 200,
    },

    {
      method: 'post',
      path: '/v1/incidents',
      allow: ['reporter'],
      ok: 200,
      body: () => f.incidentRequest,
    },
    { method: 'get', path: '/v1/incidents', allow: ['reporter', 'comms', 'auditor'], ok: 200 },
    {
      method: 'get',
      path: '/v1/incidents/{incident}',
      allow: ['reporter', 'comms', 'auditor'],
      ok: 200,
    },
    {
      method: 'patch',
      path: '/v1/incidents/{incident}',
      allow: ['reporter'],
      ok: 200,
      body: () => ({ phase: f.incidentRequest.phase }),
    },
    {
      method: 'get',
      path: '/v1/incidents/{incident}/tenants',
      allow: ['reporter', 'comms', 'auditor'],
      ok: 200,
    },
    {
      method: 'get',
      path: '/v1/incidents/{incident}/scope/tenant-ids',
      allow: ['reporter', 'comms', 'auditor'],
      ok: 200,
    },
    {
      method: 'get',
      path: '/v1/regulations',
      allow: ['reporter', 'comms', 'auditor', 'tenant'],
      ok: 200,
    },

    {
      method: 'get',
      path: '/v1/incidents/{incident}/notices',
      allow: ['reporter', 'comms', 'auditor'],
      ok: 200,
    },
    {
      method: 'post',
      path: '/v1/incidents/{incident}/notices',
      allow: ['reporter', 'comms'],
      ok: 201,
      body: () => ({ kind: 'update' }),
    },
    {
      method: 'get',
      path: '/v1/notices/{notice}',
      allow: ['reporter', 'comms', 'auditor'],
      ok: 200,
    },
    {
      method: 'get',
      path: '/v1/notices/{notice}/revisions',
      allow: ['reporter', 'comms', 'auditor'],
      ok: 200,
    },
    {
      method: 'get',
      path: '/v1/notices/{notice}/preview?tenantId={tenant}',
      allow: ['comms', 'auditor'],
      ok: 200,
    },
    {
      method: 'patch',
      path: '/v1/notices/{patchable}',
      allow: ['comms'],
      ok: 200,
      body: () => ({ description: `Edited ${Math.random()}` }),
    },
    {
      method: 'post',
      path: '/v1/notices/{draft}/approve',
      allow: ['comms'],
      ok: 200,
      fresh: draft,
    },
    {
      method: 'post',
      path: '/v1/notices/{draft}/reject',
      allow: ['comms'],
      ok: 200,
      body: () => ({ reason: 'Not yet' }),
      fresh: draft,
    },

    { method: 'get', path: '/v1/deliveries', allow: ['auditor'], ok: 200 },
    { method: 'get', path: '/v1/deliveries', allow: ['auditor'], ok: 200, accept: 'text/csv' },
    { method: 'get', path: '/v1/deliveries/backlog', allow: ['auditor'], ok: 200 },

    // Audit and compliance (docs/api.md "Deliveries and records"): auditor.
    { method: 'get', path: '/v1/audit/events', allow: ['auditor'], ok: 200 },
    { method: 'get', path: '/v1/audit/verify', allow: ['auditor'], ok: 200 },
    { method: 'get', path: '/v1/incidents/{incident}/compliance', allow: ['auditor'], ok: 200 },
    { method: 'get', path: '/v1/compliance', allow: ['auditor'], ok: 200 },

    // Acknowledgements: the tenant's own key (admin names the tenant). The fixture notice is a
    // draft, never sent to anyone: the callers allowed get that notice's 404, the others 403.
    {
      method: 'post',
      path: '/v1/notices/{notice}/acknowledge',
      allow: ['tenant'],
      tenantScoped: true,
      ok: 404,
      body: (v) => ({ tenantId: v.tenant }),
    },
    // Contact verification, for operators.
    { method: 'get', path: '/v1/contacts/report', allow: [], ok: 200 },
  ];

  /** Every `METHOD /path` the running app routes (Nest controllers and Swagger). */
  function servedRoutes(): Set<string> {
    const router = (
      t.app.getHttpAdapter().getInstance() as {
        router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> };
      }
    ).router;
    const out = new Set<string>();
    for (const layer of router.stack) {
      if (!layer.route) continue;
      for (const [method, on] of Object.entries(layer.route.methods))
        if (on && method !== '_all') out.add(`${method.toUpperCase()} ${layer.route.path}`);
    }
    return out;
  }

  // Swagger UI's static files and alternative document formats: public by design.
  const SWAGGER_EXTRAS = /^GET \/docs(\/|-yaml$)/;
  // The review console takes sessions, not API keys: console-sessions.e2e-spec.ts walks each of
  // its routes with every kind of key and without a session.
  const CONSOLE = /^(GET|POST) \/console(\/|$)/;
  // The tenant portal likewise: portal-sessions.e2e-spec.ts walks its routes.
  const PORTAL = /^(GET|POST) \/portal(\/|$)/;

  it('should have a matrix row for every route the app serves', () => {
    const covered = new Set(ROUTES.map(routeKey));
    const missing = [...servedRoutes()]
      .filter(
        (r) => !covered.has(r) && !SWAGGER_EXTRAS.test(r) && !CONSOLE.test(r) && !PORTAL.test(r),
      )
      .sort();
    expect(missing).toEqual([]);
  });

  it('should answer every endpoint with the expected status for every caller', async () => {
    const served = servedRoutes();
    // Every row names a route the app serves (a renamed route fails here, not silently).
    expect(ROUTES.map(routeKey).filter((r) => !served.has(r))).toEqual([]);
    const rows = ROUTES;
    const want: Record<string, Record<Caller, number>> = {};
    const got: Record<string, Record<Caller, number>> = {};
    for (const route of rows) {
      const name = `${route.method.toUpperCase()} ${route.path}${route.accept ? ` (${route.accept})` : ''}`;
      want[name] = {} as Record<Caller, number>;
      got[name] = {} as Record<Caller, number>;
      for (const caller of CALLERS) {
        const vars: Vars = {
          tenant: f.tenantA,
          incident: f.incidentId,
          notice: f.draftNoticeId,
          patchable: patchableNotice,
          ...(await route.fresh?.()),
        };
        const path = route.path.replace(/\{(\w+)\}/g, (_m, name: string) =>
          encodeURIComponent(vars[name]),
        );
        let req = t.http[route.method](path);
        const key = keys[caller];
        if (key) req = req.set(bearer(key));
        if (route.accept) req = req.set('Accept', route.accept);
        const res = await (route.body ? req.send(route.body(vars)) : req);
        want[name][caller] = expected(route, caller);
        got[name][caller] = res.status;
        if (res.status === 401 || res.status === 403) {
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(res.text).not.toContain(`admin@${f.tenantA}.example`);
        }
      }
    }
    expect(got).toEqual(want);
  });

  it("should never show a tenant key another tenant's record, feed or notices when it asks in other ways", async () => {
    const other = f.keys.tenantB;
    const attempts = [
      `/v1/tenants/${f.tenantA}`,
      `/v1/tenants/${f.tenantA.toUpperCase()}`,
      `/v1/tenants/${f.tenantA}/feed`,
      `/v1/tenants/${f.tenantA}/feed.atom`,
      `/v1/tenants/${f.tenantB}/../${f.tenantA}/feed`,
      `/v1/tenants/${encodeURIComponent(f.tenantA)}%2F/feed`,
      `/v1/incidents/${f.incidentId}`,
      `/v1/incidents/${f.incidentId}/tenants`,
      `/v1/notices/${f.draftNoticeId}`,
      `/v1/notices/${f.draftNoticeId}/preview?tenantId=${f.tenantB}`,
      `/v1/deliveries?tenantId=${f.tenantA}`,
    ];
    for (const path of attempts) {
      const res = await t.http.get(path).set(bearer(other));
      expect({ path, status: res.status }).toEqual({ path, status: expect.any(Number) });
      expect([400, 403, 404]).toContain(res.status);
      expect(res.text).not.toContain(`admin@${f.tenantA}.example`);
      expect(res.text).not.toContain(f.incidentRequest.description as string);
    }
    // Its own feed holds only its own posts.
    const own = await t.http.get(`/v1/tenants/${f.tenantB}/feed`).set(bearer(other));
    expect(own.status).toBe(200);
    expect(own.text).not.toContain(f.tenantA);
  });
});
