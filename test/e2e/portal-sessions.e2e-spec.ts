import { tenantBody } from '../factories/tenant.factory.js';
import { seedTenants } from '../support/flow.js';
import { query } from '../support/inspect.js';
import { signInWithKey } from '../support/key-sign-in.js';
import { bearer, startTestApp, type TestApp } from '../support/test-app.js';

// Every portal route without a session: API keys (any role, the tenant's own included) open
// nothing, a made-up session cookie neither; the sign-in pages alone answer, and their forms
// need the sign-in form's CSRF token.
describe('portal routes without a session', () => {
  let t: TestApp;
  const keys: Record<string, string> = {};

  // Answer without a session: sign-in and confirmation pages, and the assets.
  const ANONYMOUS = new Set([
    'GET /portal',
    'GET /portal/sign-in',
    'GET /portal/sign-in/link',
    'GET /portal/contacts/verify',
    'GET /portal/assets/:name',
    'POST /portal/sign-in/email',
    'POST /portal/sign-in/link',
    'POST /portal/sign-in/key',
    'POST /portal/contacts/verify',
  ]);

  function portalRoutes(): string[] {
    const router = (
      t.app.getHttpAdapter().getInstance() as {
        router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> };
      }
    ).router;
    const out: string[] = [];
    for (const layer of router.stack)
      if (layer.route?.path.startsWith('/portal'))
        for (const [method, on] of Object.entries(layer.route.methods))
          if (on && method !== '_all') out.push(`${method.toUpperCase()} ${layer.route.path}`);
    return out.sort();
  }

  beforeAll(async () => {
    t = await startTestApp();
    await seedTenants(t, [tenantBody({ id: 'ps-a' })]);
    keys.admin = t.adminKey;
    keys.tenant = await t.key(['tenant'], 'ps-a');
    keys.auditor = await t.key(['auditor']);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('should refuse every portal page and action without a live session', async () => {
    const routes = portalRoutes();
    expect(routes).toEqual(
      expect.arrayContaining(['GET /portal/notices', 'POST /portal/notices/:id/acknowledge']),
    );
    const got: Record<string, number[]> = {};
    for (const route of routes.filter((r) => !ANONYMOUS.has(r))) {
      const [method, pattern] = route.split(' ');
      const path = pattern.replace(/:\w+/g, '00000000-0000-4000-8000-000000000000');
      got[route] = [];
      for (const auth of [
        {},
        bearer(keys.admin),
        bearer(keys.tenant),
        bearer(keys.auditor),
        { Cookie: `__Host-herald-portal=${'x'.repeat(43)}` },
      ]) {
        const req = method === 'GET' ? t.http.get(path) : t.http.post(path).type('form').send({});
        const res = await req.set(auth);
        got[route].push(
          res.status === 303 && /\/portal\/sign-in\?reason=/.test(res.headers.location)
            ? 401
            : res.status,
        );
      }
    }
    expect(
      Object.values(got)
        .flat()
        .every((s) => s === 401),
    ).toBe(true);
    expect(await query(t, 'SELECT 1 FROM tenant_sessions')).toEqual([]);
  });

  it('should refuse the sign-in forms without their CSRF token', async () => {
    for (const path of [
      '/portal/sign-in/email',
      '/portal/sign-in/key',
      '/portal/sign-in/link',
      '/portal/contacts/verify',
    ]) {
      const res = await t.http
        .post(path)
        .type('form')
        .send({ apiKey: keys.tenant, email: 'admin@ps-a.example' });
      expect(res.status).toBe(403);
    }
    expect(await query(t, 'SELECT 1 FROM tenant_sessions')).toEqual([]);
    expect(await query(t, 'SELECT 1 FROM portal_sign_in_links')).toEqual([]);
  });

  it('should bring a signed-out check of a notice reference back to that check after sign-in', async () => {
    const reference = 'a1b2c3d4-0000-4000-8000-00000000abcd';
    const away = await t.http.get(`/portal/verify?reference=${reference.toUpperCase()}`);
    expect(away.status).toBe(303);
    expect(away.headers.location).toBe('/portal/sign-in?reason=required');
    const cookies = (away.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
    const remembered = cookies.find((c) => c.startsWith('__Host-herald-portal-return='));
    expect(remembered).toMatch(/; HttpOnly/);

    const { res: signedIn } = await signInWithKey(t, 'portal', keys.tenant, [
      remembered!.split(';')[0],
    ]);
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.location).toBe(`/portal/verify?reference=${reference}`);

    // Anything but a notice id is not remembered: nobody is sent anywhere else.
    const odd = await t.http.get('/portal/verify?reference=https%3A%2F%2Fevil.example');
    expect(odd.status).toBe(303);
    expect(
      ((odd.headers['set-cookie'] as unknown as string[] | undefined) ?? []).some((c) =>
        c.startsWith('__Host-herald-portal-return='),
      ),
    ).toBe(false);
  });
});
