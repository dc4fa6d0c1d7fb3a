import { createHash } from 'node:crypto';
import { DbProbe, expectProblem } from '../support/security.js';
import { allPages, bearer, startTestApp, TestApp } from '../support/test-app.js';

// API keys: high-entropy secrets shown once, stored only as hashes, identified by a visible
// prefix; revocation and expiry take effect on the very next request.

interface CreatedKey {
  id: string;
  name: string;
  prefix: string;
  key: string;
  expiresAt: string | null;
}

const KEY_FORMAT = /^hk_[A-Za-z0-9_-]{8}_[A-Za-z0-9_-]{43}$/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('security: API keys', () => {
  let t: TestApp;
  let db: DbProbe;

  beforeAll(async () => {
    t = await startTestApp();
    db = await DbProbe.connect(t.databaseUrl);
  });
  afterAll(async () => {
    await db?.close();
    await t?.close();
  });

  async function create(body: Record<string, unknown>): Promise<CreatedKey> {
    const res = await t.http.post('/v1/api-keys').set(bearer(t.adminKey)).send(body);
    expect(res.status).toBe(201);
    return res.body as CreatedKey;
  }

  /** Every row of every table as JSON text: what a database dump would reveal. */
  async function databaseDump(): Promise<string> {
    const tables = await db.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    const parts: string[] = [];
    for (const { name } of tables) {
      const rows = await db.query<{ j: string }>(
        `SELECT row_to_json(x)::text AS j FROM "${name}" x`,
      );
      parts.push(...rows.map((r) => r.j));
    }
    return parts.join('\n');
  }

  it('should show a high-entropy secret once, with its visible prefix, when a key is created', async () => {
    const a = await create({ name: 'ops-a', roles: ['auditor'] });
    const b = await create({ name: 'ops-b', roles: ['auditor'] });
    for (const k of [a, b]) {
      expect(k.key).toMatch(KEY_FORMAT);
      expect(k.prefix).toBe(k.key.slice(0, 11));
    }
    expect(a.key).not.toBe(b.key);
    expect(a.prefix).not.toBe(b.prefix);
    // 32 random bytes after the prefix: 43 base64url characters, 256 bits.
    expect(Buffer.from(a.key.slice(12), 'base64url')).toHaveLength(32);

    const list = await t.http.get('/v1/api-keys').set(bearer(t.adminKey));
    expect(list.status).toBe(200);
    const listed = (list.body.items as Array<Record<string, unknown>>).find((k) => k.id === a.id);
    expect(listed).toMatchObject({ id: a.id, name: 'ops-a', prefix: a.prefix, roles: ['auditor'] });
    expect(listed).not.toHaveProperty('key');
    expect(list.text).not.toContain(a.key);
    expect(list.text).not.toContain(a.key.slice(12));
    expect(list.text).not.toContain(t.adminKey);
  });

  it('should page the key list oldest first with limit and cursor, each key once', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++)
      made.push((await create({ name: `paged-${i}`, roles: ['auditor'] })).id);
    const pages = await allPages<{ id: string }>(t, '/v1/api-keys', t.adminKey, 2);
    const seen = pages.flat().map((k) => k.id);
    expect(new Set(seen).size).toBe(seen.length);
    // The keys made here come last, in the order they were made.
    expect(seen.slice(-5)).toEqual(made);
    const all = await t.http.get('/v1/api-keys').set(bearer(t.adminKey));
    expect((all.body.items as Array<{ id: string }>).map((k) => k.id)).toEqual(seen);
    // A full last page says so: no empty page after it.
    expect(pages).toHaveLength(Math.ceil(seen.length / 2));

    expectProblem(await t.http.get('/v1/api-keys?limit=0').set(bearer(t.adminKey)), 400, ['limit']);
    expectProblem(await t.http.get('/v1/api-keys?limit=1001').set(bearer(t.adminKey)), 400, [
      'limit',
    ]);
    expectProblem(await t.http.get('/v1/api-keys?cursor=nope').set(bearer(t.adminKey)), 400, [
      'cursor',
    ]);
    expectProblem(await t.http.get('/v1/api-keys?sort=name').set(bearer(t.adminKey)), 400);
  });

  it('should store only a SHA-256 of the key, never the secret, when a key is created', async () => {
    const k = await create({ name: 'stored-check', roles: ['reporter'] });
    const [row] = await db.query<{ prefix: string; secret_sha256: Buffer }>(
      'SELECT prefix, secret_sha256 FROM api_keys WHERE id = $1',
      [k.id],
    );
    expect(row.prefix).toBe(k.prefix);
    expect(row.secret_sha256.equals(createHash('sha256').update(k.key).digest())).toBe(true);
    const dump = await databaseDump();
    expect(dump).toContain(k.prefix);
    for (const secret of [k.key, k.key.slice(12), k.key.slice(12, 40), t.adminKey])
      expect(dump).not.toContain(secret);
    // Not even hex- or base64-encoded in clear.
    expect(dump).not.toContain(Buffer.from(k.key).toString('hex'));
    expect(dump).not.toContain(Buffer.from(k.key).toString('base64'));
  });

  it('should record who created and revoked a key without its secret when keys change', async () => {
    const k = await create({ name: 'audited', roles: ['comms'] });
    expect((await t.http.delete(`/v1/api-keys/${k.id}`).set(bearer(t.adminKey))).status).toBe(204);
    const events = await db.query<{ actor: string; action: string; change: unknown }>(
      `SELECT actor, action, change FROM audit_events WHERE entity_id = $1 ORDER BY seq`,
      [k.id],
    );
    expect(events.map((e) => [e.actor, e.action])).toEqual([
      ['bootstrap-admin', 'api-key.created'],
      ['bootstrap-admin', 'api-key.revoked'],
    ]);
    expect(JSON.stringify(events)).not.toContain(k.key.slice(12));
  });

  it('should refuse a deleted key on the very next request', async () => {
    const k = await create({ name: 'to-delete', roles: ['auditor'] });
    expect((await t.http.get('/v1/regulations').set(bearer(k.key))).status).toBe(200);
    expect((await t.http.delete(`/v1/api-keys/${k.id}`).set(bearer(t.adminKey))).status).toBe(204);
    expectProblem(await t.http.get('/v1/regulations').set(bearer(k.key)), 401);
    // Deleting it again is a 404; the list still shows it, revoked.
    expectProblem(await t.http.delete(`/v1/api-keys/${k.id}`).set(bearer(t.adminKey)), 404);
    const list = await t.http.get('/v1/api-keys').set(bearer(t.adminKey));
    const listed = (list.body.items as Array<{ id: string; revokedAt: string | null }>).find(
      (i) => i.id === k.id,
    );
    expect(listed?.revokedAt).toEqual(expect.any(String));
  });

  it('should stop a deleted admin key from doing anything, including deleting other keys', async () => {
    const admin = await create({ name: 'second-admin', roles: ['admin'] });
    const victim = await create({ name: 'victim', roles: ['auditor'] });
    expect((await t.http.delete(`/v1/api-keys/${admin.id}`).set(bearer(t.adminKey))).status).toBe(
      204,
    );
    expectProblem(await t.http.delete(`/v1/api-keys/${victim.id}`).set(bearer(admin.key)), 401);
    expectProblem(
      await t.http
        .post('/v1/api-keys')
        .set(bearer(admin.key))
        .send({ name: 'x', roles: ['admin'] }),
      401,
    );
    expect((await t.http.get('/v1/regulations').set(bearer(victim.key))).status).toBe(200);
  });

  it('should refuse an expired key with 401 when its expiresAt has passed', async () => {
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const k = await create({ name: 'short-lived', roles: ['auditor'], expiresAt });
    expect(k.expiresAt).toBe(expiresAt);
    expect((await t.http.get('/v1/regulations').set(bearer(k.key))).status).toBe(200);
    await sleep(Math.max(0, Date.parse(expiresAt) - Date.now()) + 50);
    const res = await t.http.get('/v1/regulations').set(bearer(k.key));
    expectProblem(res, 401);
    expect(res.body.detail).toMatch(/unknown, revoked or expired/);
  });

  it('should refuse a key that shares a real prefix but not its secret', async () => {
    const k = await create({ name: 'prefix-target', roles: ['admin'] });
    const forged = `${k.prefix}_${'A'.repeat(43)}`;
    expect(forged).toMatch(KEY_FORMAT);
    expectProblem(await t.http.get('/v1/api-keys').set(bearer(forged)), 401);
    // One character off, same length.
    const last = k.key.at(-1) === 'A' ? 'B' : 'A';
    expectProblem(
      await t.http.get('/v1/api-keys').set(bearer(`${k.key.slice(0, -1)}${last}`)),
      401,
    );
    // The prefix alone, and the key with a suffix.
    expectProblem(await t.http.get('/v1/api-keys').set(bearer(k.prefix)), 401);
    expectProblem(await t.http.get('/v1/api-keys').set(bearer(`${k.key}x`)), 401);
  });

  it('should accept the bearer scheme in any case and nothing but bearer', async () => {
    const k = await create({ name: 'scheme', roles: ['auditor'] });
    expect(
      (await t.http.get('/v1/regulations').set('Authorization', `bearer ${k.key}`)).status,
    ).toBe(200);
    expectProblem(await t.http.get('/v1/regulations').set('Authorization', k.key), 401);
    expectProblem(await t.http.get('/v1/regulations').set('Authorization', `Token ${k.key}`), 401);
    expectProblem(await t.http.get(`/v1/regulations?api_key=${k.key}`), 401);
  });

  it('should compare the presented key with timingSafeEqual on SHA-256 digests when it authenticates', async () => {
    // Timing cannot be measured reliably in a test: check that the guard's path uses the constant-time compare.
    const k = await create({ name: 'constant-time', roles: ['auditor'] });
    const crypto = jest.requireActual<typeof import('node:crypto')>('node:crypto');
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    try {
      expect((await t.http.get('/v1/regulations').set(bearer(k.key))).status).toBe(200);
      expect(spy).toHaveBeenCalled();
      for (const [a, b] of spy.mock.calls) {
        expect([(a as Buffer).length, (b as Buffer).length]).toEqual([32, 32]);
      }
      expect(
        spy.mock.calls.some(([a]) =>
          (a as Buffer).equals(createHash('sha256').update(k.key).digest()),
        ),
      ).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });
});
