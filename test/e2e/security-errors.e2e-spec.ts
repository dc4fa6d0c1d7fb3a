import { EntityManager } from 'typeorm';
import { UnitOfWork } from '../../src/database/unit-of-work.js';
import { buildFixtures, DbProbe, expectProblem, SecurityFixtures } from '../support/security.js';
import { expectConformant } from '../support/api-client.js';
import { bearer, startTestApp, TestApp } from '../support/test-app.js';

// What every answer carries (security headers) and what no answer may carry (stack traces,
// SQL, internal names), including the 500 of a genuinely broken database.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('security: headers and error answers', () => {
  let t: TestApp;
  let f: SecurityFixtures;
  let db: DbProbe;
  const logs: string[] = [];
  const writes: Array<jest.SpyInstance> = [];

  beforeAll(async () => {
    // The 500s below are logged on purpose: keep them (to find the errorId) and out of the test output.
    for (const stream of [process.stdout, process.stderr]) {
      writes.push(
        jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
          logs.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
          return true;
        }),
      );
    }
    t = await startTestApp({ LOG_LEVEL: 'warn' });
    f = await buildFixtures(t, 'err');
    db = await DbProbe.connect(t.databaseUrl);
  });
  afterAll(async () => {
    await db?.close();
    await t?.close();
    for (const spy of writes) spy.mockRestore();
  });

  describe('security headers', () => {
    const samples: Array<
      [string, () => PromiseLike<{ status: number; headers: Record<string, string> }>]
    > = [
      [
        'an authenticated JSON answer',
        () => t.http.get(`/v1/tenants/${f.tenantA}`).set(bearer(f.keys.tenantA)),
      ],
      [
        'a created API key',
        () =>
          t.http
            .post('/v1/api-keys')
            .set(bearer(t.adminKey))
            .send({ name: `hdr-${Math.random()}`, roles: ['auditor'] }),
      ],
      ['a 401 problem', () => t.http.get('/v1/regulations')],
      ['a 400 problem', () => t.http.get('/v1/incidents/nope').set(bearer(f.keys.auditor))],
      ['a 404 for an unknown route', () => t.http.get('/v1/nothing')],
      [
        'a CSV export',
        () => t.http.get('/v1/deliveries').set(bearer(f.keys.auditor)).set('Accept', 'text/csv'),
      ],
      ['the health check', () => t.http.get('/health/live')],
    ];

    it.each(samples)('should send the protective headers on %s', async (_what, send) => {
      const res = await send();
      expect(res.status).toBeLessThan(500);
      const h = res.headers;
      expect(h['x-content-type-options']).toBe('nosniff');
      expect(h['strict-transport-security']).toMatch(/max-age=31536000; includeSubDomains/);
      // OWASP's secure headers for an API: nothing loads, nothing frames it.
      expect(h['x-frame-options']).toBe('DENY');
      expect(h['content-security-policy']).toBe(
        "default-src 'none';form-action 'none';frame-ancestors 'none';base-uri 'none'",
      );
      expect(h['permissions-policy']).toMatch(/(^|, )camera=\(\)(,|$)/);
      expect(h['permissions-policy']).toMatch(/(^|, )geolocation=\(\)(,|$)/);
      expect(h['permissions-policy']).toMatch(/(^|, )microphone=\(\)(,|$)/);
      expect(h['permissions-policy']).toMatch(/(^|, )payment=\(\)(,|$)/);
      expect(h['referrer-policy']).toBe('no-referrer');
      expect(h['cross-origin-opener-policy']).toBe('same-origin');
      expect(h['cross-origin-embedder-policy']).toBe('require-corp');
      expect(h['cross-origin-resource-policy']).toBe('same-origin');
      expect(h['x-powered-by']).toBeUndefined();
      expect(h['server']).toBeUndefined();
    });

    it('should let Swagger UI on /docs run its own scripts only, and never be framed', async () => {
      const page = await t.http.get('/docs/');
      expect(page.status).toBe(200);
      const csp = String(page.headers['content-security-policy']);
      const directive = (name: string) =>
        csp
          .split(';')
          .find((d) => d.startsWith(`${name} `))
          ?.slice(name.length + 1);
      expect(directive('script-src')).toBe("'self'");
      expect(directive('frame-ancestors')).toBe("'none'");
      expect(directive('object-src')).toBe("'none'");
      // The page's inline <style> blocks and style attributes are why styles may be inline here.
      expect(directive('style-src')).toBe("'self' 'unsafe-inline'");
      expect(page.headers['x-frame-options']).toBe('DENY');
      // No inline script: every <script> loads a same-origin file, and each of those loads.
      const scripts = [...page.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length).toBeGreaterThanOrEqual(3);
      for (const [, attributes, body] of scripts) {
        expect(body.trim()).toBe('');
        const src = /src=["']([^"']+)["']/.exec(attributes)?.[1] ?? '';
        expect(src).toMatch(/^(\.\/|\/docs\/)?[\w.-]+\.js$/);
        const file = await t.http.get(new URL(src, 'http://h/docs/').pathname);
        expect({ src, status: file.status }).toEqual({ src, status: 200 });
        expect(String(file.headers['content-type'])).toMatch(/javascript/);
      }
      expect(page.text).not.toMatch(/\son[a-z]+=/i);
    });

    it('should forbid caching of API answers when they carry secrets or tenant data', async () => {
      const created = await t.http
        .post('/v1/api-keys')
        .set(bearer(t.adminKey))
        .send({ name: 'cache-check', roles: ['auditor'] });
      expect(created.status).toBe(201);
      await expectConformant(t, created);
      expect(created.headers['cache-control']).toBe('no-store');
      const tenant = await t.http.get(`/v1/tenants/${f.tenantA}`).set(bearer(t.adminKey));
      expect(tenant.headers['cache-control']).toBe('no-store');
      const problem = await t.http.get('/v1/regulations');
      expect(problem.headers['cache-control']).toBe('no-store');
      // The feed keeps its own validator-based policy (ETag), private to the key.
      const feed = await t.http.get(`/v1/tenants/${f.tenantA}/feed`).set(bearer(f.keys.tenantA));
      expect(feed.headers['cache-control']).toBe('private, no-cache');
    });

    it('should challenge with WWW-Authenticate when the key is missing or unknown', async () => {
      const res = await t.http
        .get('/v1/regulations')
        .set('Authorization', 'Bearer hk_AAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB');
      expectProblem(res, 401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="herald"');
      expect(res.text).not.toContain('hk_AAAAAAAA');
    });
  });

  describe('error answers', () => {
    // RFC 9457: a problem type's title is the same every time (it once read "Not found" for a
    // missing record and "Not Found" for a missing route).
    it('should give every problem type one title across error routes', async () => {
      const answers = await Promise.all([
        t.http.get('/v1/regulations'),
        t.http.get('/v1/regulations').set(bearer('hk_AAAAAAAA_' + 'B'.repeat(43))),
        t.http.get('/v1/api-keys').set(bearer(f.keys.auditor)),
        t.http.get('/v1/nothing').set(bearer(f.keys.auditor)),
        t.http.delete('/v1/regulations').set(bearer(f.keys.auditor)),
        t.http.get('/v1/notices/00000000-0000-4000-8000-000000000000').set(bearer(f.keys.auditor)),
        t.http.get(`/v1/tenants/nobody-here`).set(bearer(t.adminKey)),
        t.http.get('/v1/incidents/nope').set(bearer(f.keys.auditor)),
        t.http.get('/v1/incidents?limit=0').set(bearer(f.keys.auditor)),
        t.http
          .post('/v1/api-keys')
          .set(bearer(t.adminKey))
          .set('Content-Type', 'application/json')
          .send('{"name": '),
        t.http
          .post('/v1/api-keys')
          .set(bearer(t.adminKey))
          .set('Content-Type', 'text/plain')
          .send('x'),
        t.http
          .post('/v1/api-keys')
          .set(bearer(t.adminKey))
          .send({ name: 'x'.repeat(2 * 1024 * 1024) }),
        t.http
          .post('/v1/incidents')
          .set(bearer(f.keys.reporter))
          .send({ ...f.incidentRequest, title: 'Changed title' }),
      ]);
      const titles = new Map<string, Set<string>>();
      for (const res of answers) {
        expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
        const { type, title } = JSON.parse(res.text) as { type: string; title: string };
        titles.set(type, (titles.get(type) ?? new Set()).add(title));
      }
      const byType = Object.fromEntries([...titles].map(([type, set]) => [type, [...set]]));
      for (const [type, list] of Object.entries(byType))
        expect({ type, list }).toEqual({ type, list: [list[0]] });
      // The walk covered the shared types, 404s of both kinds among them.
      expect(Object.keys(byType)).toEqual(
        expect.arrayContaining([
          'https://herald.dev/problems/unauthorized',
          'https://herald.dev/problems/forbidden',
          'https://herald.dev/problems/not-found',
          'https://herald.dev/problems/validation',
          'https://herald.dev/problems/malformed-body',
          'https://herald.dev/problems/unsupported-media-type',
          'https://herald.dev/problems/payload-too-large',
          'https://herald.dev/problems/conflict',
        ]),
      );
    });

    /** A 500 says only that something failed and which errorId to quote; the log holds the rest. */
    function expectOpaque500(
      res: { status: number; text: string; headers: Record<string, string> },
      secrets: string[],
    ): string {
      expectProblem(res, 500);
      const body = JSON.parse(res.text) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual([
        'detail',
        'errorId',
        'instance',
        'status',
        'title',
        'type',
      ]);
      expect(body.errorId).toMatch(UUID);
      for (const leak of [
        'QueryFailedError',
        'relation',
        'SELECT',
        'FROM',
        ' at ',
        '.ts:',
        '.js:',
        'node_modules',
        'postgres',
        'stack',
        ...secrets,
      ]) {
        expect(res.text).not.toContain(leak);
      }
      expect(logs.join('')).toContain(body.errorId as string);
      return body.errorId as string;
    }

    it('should answer an opaque 500 with an errorId that is in the log when a table is missing', async () => {
      const before = logs.length;
      await db.query('DROP TABLE feed_posts');
      const feed = await t.http.get(`/v1/tenants/${f.tenantA}/feed`).set(bearer(f.keys.tenantA));
      const errorId = expectOpaque500(feed, ['feed_posts']);
      // The log line names the failure for the operator.
      const line = logs.slice(before).find((l) => l.includes(errorId)) ?? '';
      expect(line).toContain('feed_posts');
    });

    it('should answer an opaque 500 (not a truncated 200) when a CSV export fails before its first row', async () => {
      await db.query('ALTER TABLE deliveries RENAME TO deliveries_gone');
      try {
        const csv = await t.http
          .get('/v1/deliveries')
          .set(bearer(f.keys.auditor))
          .set('Accept', 'text/csv');
        expectOpaque500(csv, ['deliveries_gone']);
        const json = await t.http.get('/v1/deliveries').set(bearer(f.keys.auditor));
        expectOpaque500(json, ['deliveries_gone']);
      } finally {
        await db.query('ALTER TABLE deliveries_gone RENAME TO deliveries');
      }
    });

    it('should keep SQL and internals out of 4xx answers', async () => {
      const conflict = await t.http
        .post('/v1/incidents')
        .set(bearer(f.keys.reporter))
        .send({ ...f.incidentRequest, title: 'Changed title' });
      expectProblem(conflict, 409);
      const notFound = await t.http
        .get('/v1/notices/00000000-0000-4000-8000-000000000000')
        .set(bearer(f.keys.auditor));
      expectProblem(notFound, 404);
      for (const res of [conflict, notFound]) {
        for (const leak of [
          'QueryFailedError',
          'SELECT',
          'duplicate key',
          'constraint',
          ' at ',
          '.ts:',
        ])
          expect(res.text).not.toContain(leak);
      }
    });
  });

  describe('transactions', () => {
    it('should run a unit of work again when Postgres picks it as a deadlock victim', async () => {
      // Two transactions lock two rows in opposite orders: Postgres aborts one with 40P01.
      await db.query('CREATE TABLE sec_deadlock (id int PRIMARY KEY, n int NOT NULL)');
      await db.query('INSERT INTO sec_deadlock VALUES (1, 0), (2, 0)');
      const uow = t.app.get(UnitOfWork);
      let bothLocked!: () => void;
      const barrier = new Promise<void>((resolve) => {
        let waiting = 2;
        bothLocked = () => {
          if (--waiting === 0) resolve();
        };
      });
      const attempts = { a: 0, b: 0 };
      const lockBoth =
        (name: 'a' | 'b', first: number, second: number) => async (manager: EntityManager) => {
          attempts[name] += 1;
          await manager.query('UPDATE sec_deadlock SET n = n + 1 WHERE id = $1', [first]);
          if (attempts[name] === 1) {
            bothLocked();
            await barrier;
          }
          await manager.query('UPDATE sec_deadlock SET n = n + 1 WHERE id = $1', [second]);
        };
      const results = await Promise.allSettled([
        uow.run(lockBoth('a', 1, 2)),
        uow.run(lockBoth('b', 2, 1)),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
      expect(attempts.a + attempts.b).toBe(3);
      expect(await db.query('SELECT id, n FROM sec_deadlock ORDER BY id')).toEqual([
        { id: 1, n: 2 },
        { id: 2, n: 2 },
      ]);
      await db.query('DROP TABLE sec_deadlock');
    });
  });
});
