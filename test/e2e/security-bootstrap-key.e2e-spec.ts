import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createHttpApp } from '../../src/app.factory.js';
import { loadConfig } from '../../src/config/app-config.js';
import { DbProbe, expectProblem } from '../support/security.js';
import { bearer, startTestApp, testEnv, TestApp } from '../support/test-app.js';

// The admin key installed from ADMIN_API_KEY is marked by a flag, not found by its name: a
// rotation revokes every earlier one, even with a decoy key bearing the same name, and its
// visible prefix gives nothing of the secret away (issue 20, M3 and "Also").

interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  revoked_at: Date | null;
  revoked_by: string | null;
}

describe('security: the bootstrap admin key', () => {
  let t: TestApp;
  let db: DbProbe;
  const replicas: NestExpressApplication[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    db = await DbProbe.connect(t.databaseUrl);
  });
  afterAll(async () => {
    for (const app of replicas) await app.close();
    await db?.close();
    await t?.close();
  });

  /** Herald started again on the same database with another ADMIN_API_KEY, as after a rotation. */
  async function restartWith(adminKey: string) {
    const env = testEnv(t.databaseUrl, { QUEUE_PREFIX: t.queuePrefix, ADMIN_API_KEY: adminKey });
    const app = await createHttpApp(loadConfig(env));
    await app.listen(0, '127.0.0.1');
    replicas.push(app);
    return request(app.getHttpServer());
  }

  const keys = () =>
    db.query<KeyRow>(
      'SELECT id, name, prefix, revoked_at, revoked_by FROM api_keys ORDER BY created_at, id',
    );
  const adminKey = (n: number) => `rotated-admin-${n}-${'0123456789abcdef'.repeat(2)}`;

  it('should show a prefix derived from the hash, never the start of ADMIN_API_KEY', async () => {
    const res = await t.http.get('/v1/api-keys').set(bearer(t.adminKey));
    expect(res.status).toBe(200);
    const installed = (res.body.items as Array<{ name: string; prefix: string }>).find(
      (k) => k.name === 'bootstrap-admin',
    );
    expect(installed?.prefix).toMatch(/^env_[0-9a-f]{7}$/);
    for (const row of await keys()) {
      expect(t.adminKey).not.toContain(row.prefix);
      expect(row.prefix).not.toContain(t.adminKey.slice(0, 6));
    }
  });

  it.each(['bootstrap-admin', 'Bootstrap-Admin', 'system'])(
    'should refuse to create a key named %p, naming the field, and store nothing',
    async (name) => {
      const before = await db.snapshot();
      const res = await t.http
        .post('/v1/api-keys')
        .set(bearer(t.adminKey))
        .send({ name, roles: ['admin'] });
      expectProblem(res, 400, ['name']);
      expect(await db.snapshot()).toEqual(before);
    },
  );

  it('should revoke the old ADMIN_API_KEY on rotation even when a decoy bears its name', async () => {
    // A key of that name from before the name was reserved, placed first in the table so that a
    // lookup by name would find it.
    await db.query(
      `INSERT INTO api_keys (name, roles, prefix, secret_sha256, created_by)
       VALUES ('bootstrap-admin', '{auditor}', 'hk_decoy000', sha256('decoy'), 'ops')`,
    );
    const [installed] = await db.query<{ id: string }>(
      `UPDATE api_keys SET roles = roles WHERE secret_sha256 = sha256($1::bytea) RETURNING id`,
      [Buffer.from(t.adminKey, 'utf8')],
    );

    const replica = await restartWith(adminKey(2));
    for (const http of [t.http, replica]) {
      expectProblem(await http.get('/v1/regulations').set(bearer(t.adminKey)), 401);
      expect((await http.get('/v1/regulations').set(bearer(adminKey(2)))).status).toBe(200);
    }
    const rows = await keys();
    expect(rows.find((k) => k.id === installed.id)).toEqual(
      expect.objectContaining({ revoked_by: 'system', revoked_at: expect.any(Date) }),
    );
    // The decoy is an ordinary key: left alone.
    expect(rows.find((k) => k.prefix === 'hk_decoy000')?.revoked_at).toBeNull();
    expect(rows.filter((k) => k.name === 'bootstrap-admin' && !k.revoked_at)).toHaveLength(2);

    const revoked = await db.query<{ actor: string; change: Record<string, unknown> }>(
      `SELECT actor, change FROM audit_events WHERE action = 'api-key.revoked' AND entity_id = $1`,
      [installed.id],
    );
    expect(revoked).toEqual([
      { actor: 'system', change: { name: 'bootstrap-admin', reason: 'ADMIN_API_KEY changed' } },
    ]);
  });

  it('should revoke every live key installed from an earlier ADMIN_API_KEY', async () => {
    // As an older release could leave: two live installed keys.
    await db.query(`UPDATE api_keys SET bootstrap = true WHERE prefix = 'hk_decoy000'`);
    const replica = await restartWith(adminKey(3));
    expect((await replica.get('/v1/regulations').set(bearer(adminKey(3)))).status).toBe(200);
    expectProblem(await replica.get('/v1/regulations').set(bearer(adminKey(2))), 401);
    const live = await db.query<{ prefix: string }>(
      'SELECT prefix FROM api_keys WHERE bootstrap AND revoked_at IS NULL',
    );
    expect(live).toEqual([{ prefix: expect.stringMatching(/^env_[0-9a-f]{7}$/) }]);
    expect((await keys()).find((k) => k.prefix === 'hk_decoy000')?.revoked_by).toBe('system');
  });

  it('should change nothing when started again with the same key', async () => {
    const before = await db.snapshot();
    const replica = await restartWith(adminKey(3));
    expect((await replica.get('/v1/regulations').set(bearer(adminKey(3)))).status).toBe(200);
    expect(await db.snapshot()).toEqual(before);
  });
});
