import type { Response } from 'supertest';
import { HOUR_MS, ManualClock } from '../support/clock.js';
import { query } from '../support/inspect.js';
import { bearer, startTestApp, type TestApp } from '../support/test-app.js';

const MINUTE = 60_000;

function cookieOf(res: Response, name: string): string | undefined {
  const all = (res.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
  return all.find((c) => c.startsWith(`${name}=`));
}

// Console sessions over HTTP with a clock the test moves: idle and absolute timeouts, a revoked
// key ends its sessions, CSRF, the CSP, and which keys may sign in at all.
describe('console sessions', () => {
  let t: TestApp;
  const clock = new ManualClock();

  beforeAll(async () => {
    t = await startTestApp({}, { clock });
  });
  afterAll(() => t.close());

  /** Signs in with an API key through the sign-in form; returns the session cookie pair. */
  async function signIn(key: string): Promise<{ res: Response; cookie: string | undefined }> {
    const page = await t.http.get('/console/sign-in');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    const signInCookie = cookieOf(page, '__Host-herald-signin')?.split(';')[0] ?? '';
    const res = await t.http
      .post('/console/sign-in/key')
      .set('Cookie', signInCookie)
      .type('form')
      .send({ _csrf: csrf, apiKey: key });
    return { res, cookie: cookieOf(res, '__Host-herald-session')?.split(';')[0] };
  }

  it('should set a __Host- session cookie that is HttpOnly, Secure and SameSite=Lax when a comms key signs in', async () => {
    const { res } = await signIn(await t.key(['comms']));
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/console/incidents');
    const raw = cookieOf(res, '__Host-herald-session') ?? '';
    expect(raw).toMatch(/; Path=\//);
    expect(raw).toMatch(/; HttpOnly/);
    expect(raw).toMatch(/; Secure/);
    expect(raw).toMatch(/; SameSite=Lax/);
    expect(raw).not.toMatch(/Domain=/);
    // Only the hash is stored.
    const token = raw.split(';')[0].split('=')[1];
    const rows = await query<{ hashed: boolean; plain: boolean }>(
      t,
      `SELECT token_sha256 = sha256(convert_to($1, 'UTF8')) AS hashed,
              position(convert_to($1, 'UTF8') in token_sha256) > 0 OR csrf_token = $1 OR actor = $1 AS plain
         FROM staff_sessions ORDER BY created_at DESC LIMIT 1`,
      [token],
    );
    expect(rows).toEqual([{ hashed: true, plain: false }]);
  });

  it('should end a session after the idle timeout and after the absolute timeout however busy', async () => {
    const { cookie } = await signIn(await t.key(['auditor']));
    const board = () => t.http.get('/console/incidents').set('Cookie', cookie ?? '');
    clock.advance(29 * MINUTE);
    expect((await board()).status).toBe(200);
    clock.advance(29 * MINUTE);
    expect((await board()).status).toBe(200);
    clock.advance(31 * MINUTE);
    const idle = await board();
    expect(idle.status).toBe(303);
    expect(idle.headers.location).toContain('/console/sign-in');

    const busy = await signIn(await t.key(['auditor']));
    for (let used = 0; used < 11 * 60; used += 20) {
      clock.advance(20 * MINUTE);
      expect((await t.http.get('/console/incidents').set('Cookie', busy.cookie ?? '')).status).toBe(
        200,
      );
    }
    clock.advance(HOUR_MS);
    expect((await t.http.get('/console/incidents').set('Cookie', busy.cookie ?? '')).status).toBe(
      303,
    );
  });

  it('should end the sessions of an API key the moment the key is revoked', async () => {
    const key = await t.key(['comms'], undefined, 'console-revoke-me');
    const { cookie } = await signIn(key);
    expect((await t.http.get('/console/incidents').set('Cookie', cookie ?? '')).status).toBe(200);
    const list = await t.http.get('/v1/api-keys').query({ limit: 200 }).set(bearer(t.adminKey));
    const id = (list.body.items as Array<{ id: string; name: string }>).find(
      (k) => k.name === 'console-revoke-me',
    )?.id;
    expect((await t.http.delete(`/v1/api-keys/${id}`).set(bearer(t.adminKey))).status).toBe(204);
    expect((await t.http.get('/console/incidents').set('Cookie', cookie ?? '')).status).toBe(303);
  });

  it('should refuse a tenant key, a reporter key and a wrong key, and store no session', async () => {
    const before = await query(t, 'SELECT id FROM staff_sessions');
    await t.http
      .put('/v1/tenants/acme')
      .set(bearer(t.adminKey))
      .send({
        name: 'Acme',
        locale: 'en-US',
        timeZone: 'UTC',
        countries: ['DE'],
        contacts: [{ name: 'A', email: 'a@acme.example', role: 'primary' }],
      });
    const tenant = await signIn(await t.key(['tenant'], 'acme'));
    expect(tenant.res.status).toBe(403);
    expect(tenant.res.text).toContain('A tenant key never opens the console');
    const reporter = await signIn(await t.key(['reporter']));
    expect(reporter.res.status).toBe(403);
    const wrong = await signIn('hk_not-a-real-key-at-all-000000000');
    expect(wrong.res.status).toBe(401);
    expect(await query(t, 'SELECT id FROM staff_sessions')).toEqual(before);
  });

  it('should refuse a state change without the session CSRF token, and keep the JSON-only rule for the API', async () => {
    const { cookie } = await signIn(await t.key(['comms']));
    const out = await t.http
      .post('/console/sign-out')
      .set('Cookie', cookie ?? '')
      .type('form')
      .send({});
    expect(out.status).toBe(403);
    expect(out.text).toContain('CSRF');
    expect((await t.http.get('/console/incidents').set('Cookie', cookie ?? '')).status).toBe(200);
    const api = await t.http
      .post('/v1/tenants/bulk')
      .set(bearer(t.adminKey))
      .type('form')
      .send({ a: 1 });
    expect(api.status).toBe(415);
  });

  it('should open no console page or action to an API key without a session, whatever its role', async () => {
    const router = (
      t.app.getHttpAdapter().getInstance() as {
        router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> };
      }
    ).router;
    const routes = router.stack.flatMap((layer) =>
      layer.route && layer.route.path.startsWith('/console')
        ? Object.keys(layer.route.methods)
            .filter((m) => m !== '_all')
            .map((m) => ({ method: m as 'get' | 'post', path: layer.route!.path }))
        : [],
    );
    expect(routes.length).toBeGreaterThan(20);
    // The sign-in pages and static assets are open to all; OIDC is not configured here.
    const open: Record<string, number> = {
      'get /console': 303,
      'get /console/sign-in': 200,
      'get /console/auth/oidc': 404,
      'get /console/auth/callback': 404,
      'post /console/sign-in/key': 403,
      'get /console/assets/:name': 200,
    };
    const keys = [t.adminKey, await t.key(['comms']), await t.key(['tenant'], 'acme'), null];
    const got: Record<string, number[]> = {};
    const want: Record<string, number[]> = {};
    for (const r of routes) {
      const name = `${r.method} ${r.path}`;
      const path = r.path
        .replace(':name', 'htmx.min.js')
        .replace(':id', '00000000-0000-4000-8000-000000000000');
      got[name] = [];
      for (const key of keys) {
        const req = t.http[r.method](path);
        const res = await (key ? req.set(bearer(key)) : req)
          .type('form')
          .send(r.method === 'post' ? { _csrf: 'x' } : undefined);
        got[name].push(res.status);
      }
      want[name] = keys.map(() => open[name] ?? (r.method === 'get' ? 303 : 401));
    }
    expect(got).toEqual(want);
  });

  it('should send a CSP without unsafe-inline on console pages and no session cookie to a page without one', async () => {
    const page = await t.http.get('/console/sign-in');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers['cache-control']).toBe('no-store');
    const htmx = await t.http.get('/console/assets/htmx.min.js');
    expect(htmx.status).toBe(200);
    expect(htmx.headers['content-type']).toContain('javascript');
    // The API keeps its own policy.
    expect(String((await t.http.get('/health/live')).headers['content-security-policy'])).toContain(
      "default-src 'none'",
    );
  });
});
