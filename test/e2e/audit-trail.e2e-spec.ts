import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createHttpApp } from '../../src/app.factory.js';
import type { StoredEvent } from '../../src/audit/domain/audit-chain.js';
import { loadConfig } from '../../src/config/app-config.js';
import { tenantBody } from '../factories/tenant.factory.js';
import {
  asSuperuserWithoutTriggers,
  AuditRow,
  restoreRows,
  withClient,
} from '../support/audit-tamper.js';
import { csvRecords } from '../support/csv-parse.js';
import { bearer, startTestApp, TestApp, testEnv } from '../support/test-app.js';

type AuditEventView = StoredEvent;

describe('audit trail', () => {
  let t: TestApp;
  let auditor: string;

  const verify = async (query = '') => {
    const res = await t.http.get(`/v1/audit/verify${query}`).set(bearer(auditor));
    expect(res.status).toBe(200);
    return res.body as {
      valid: boolean;
      events: number;
      headSeq: string;
      headHash: string;
      firstBroken?: Record<string, string>;
      anchor?: { matches: boolean; detail: string };
    };
  };

  const storedRow = (seq: number) =>
    withClient(
      t.databaseUrl,
      async (c) =>
        (await c.query('SELECT * FROM audit_events WHERE seq = $1', [seq])).rows[0] as AuditRow,
    );

  beforeAll(async () => {
    t = await startTestApp();
    auditor = await t.key(['auditor'], undefined, 'auditor-ann');
    const admin = bearer(t.adminKey);
    for (const id of ['acme', 'globex', 'initech']) {
      expect(
        (await t.http.put(`/v1/tenants/${id}`).set(admin).send(tenantBody({ id }))).status,
      ).toBe(201);
    }
    expect(
      (
        await t.http
          .put('/v1/tenants/acme')
          .set(admin)
          .send(tenantBody({ id: 'acme', name: 'Acme Renamed' }))
      ).status,
    ).toBe(200);
  });
  afterAll(async () => {
    await t.close();
  });

  it('should report the chain valid with every event counted when nothing was touched', async () => {
    const [{ count, head }] = await withClient(
      t.databaseUrl,
      async (c) =>
        (await c.query(`SELECT count(*)::int AS count, max(seq)::text AS head FROM audit_events`))
          .rows,
    );
    const result = await verify();
    expect(result).toMatchObject({ valid: true, events: count, headSeq: head });
    expect(result.firstBroken).toBeUndefined();
    expect(result.headHash).toBe((await storedRow(Number(head))).hash);
  });

  it('should refuse UPDATE, DELETE and TRUNCATE when triggers are enabled', async () => {
    await withClient(t.databaseUrl, async (c) => {
      await expect(
        c.query(`UPDATE audit_events SET actor = 'mallory' WHERE seq = 2`),
      ).rejects.toMatchObject({ code: '42501', message: expect.stringContaining('append-only') });
      await expect(c.query(`DELETE FROM audit_events WHERE seq = 2`)).rejects.toMatchObject({
        code: '42501',
      });
      await expect(c.query(`TRUNCATE audit_events`)).rejects.toMatchObject({ code: '42501' });
      const row = await c.query(`SELECT actor FROM audit_events WHERE seq = 2`);
      expect(row.rows[0].actor).not.toBe('mallory');
    });
  });

  it('should name the edited event when a superuser rewrites it with triggers disabled', async () => {
    const original = await storedRow(3);
    await asSuperuserWithoutTriggers(
      t.databaseUrl,
      `UPDATE audit_events SET change = change || '{"name": "forged"}'::jsonb WHERE seq = 3`,
    );
    try {
      const result = await verify();
      expect(result.valid).toBe(false);
      expect(result.events).toBe(2);
      expect(result.firstBroken).toMatchObject({ kind: 'hash', seq: '3', id: original.id });
      expect(result.firstBroken?.detail).toContain('event 3');
    } finally {
      await asSuperuserWithoutTriggers(
        t.databaseUrl,
        `UPDATE audit_events SET change = $1::jsonb WHERE seq = 3`,
        [JSON.stringify(original.change)],
      );
    }
    expect((await verify()).valid).toBe(true);
  });

  it('should name the event when a superuser changes only its actor', async () => {
    const original = await storedRow(4);
    await asSuperuserWithoutTriggers(
      t.databaseUrl,
      `UPDATE audit_events SET actor = 'someone-else' WHERE seq = 4`,
    );
    try {
      expect((await verify()).firstBroken).toMatchObject({ kind: 'hash', seq: '4' });
    } finally {
      await asSuperuserWithoutTriggers(
        t.databaseUrl,
        `UPDATE audit_events SET actor = $1 WHERE seq = 4`,
        [original.actor],
      );
    }
  });

  it('should report a gap when a superuser deletes an event with triggers disabled', async () => {
    const original = await storedRow(4);
    await asSuperuserWithoutTriggers(t.databaseUrl, `DELETE FROM audit_events WHERE seq = 4`);
    try {
      const result = await verify();
      expect(result.valid).toBe(false);
      expect(result.firstBroken).toMatchObject({ kind: 'gap', expectedSeq: '4', seq: '5' });
      expect(result.firstBroken?.detail).toContain('event 4 is missing');
    } finally {
      await restoreRows(t.databaseUrl, [original]);
    }
    expect((await verify()).valid).toBe(true);
  });

  it('should fail an anchored verify when the newest event is deleted, which the chain alone cannot see', async () => {
    const anchored = await verify();
    const head = await storedRow(Number(anchored.headSeq));
    await asSuperuserWithoutTriggers(t.databaseUrl, `DELETE FROM audit_events WHERE seq = $1`, [
      anchored.headSeq,
    ]);
    try {
      expect((await verify()).valid).toBe(true);
      const result = await verify(`?anchorSeq=${anchored.headSeq}&anchorHash=${anchored.headHash}`);
      expect(result.valid).toBe(false);
      expect(result.anchor).toMatchObject({ matches: false });
      expect(result.anchor?.detail).toContain('no longer in the log');
    } finally {
      await restoreRows(t.databaseUrl, [head]);
    }
    expect(
      (await verify(`?anchorSeq=${anchored.headSeq}&anchorHash=${anchored.headHash}`)).anchor,
    ).toMatchObject({ matches: true });
  });

  it('should reject an anchor seq without its hash when verifying', async () => {
    const res = await t.http.get('/v1/audit/verify?anchorSeq=3').set(bearer(auditor));
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('anchorHash');
  });

  it('should list only the matching events when filtered by entity, actor and action', async () => {
    const res = await t.http
      .get('/v1/audit/events?entityType=tenant&entityId=acme')
      .set(bearer(auditor));
    expect(res.status).toBe(200);
    const items = res.body.items as AuditEventView[];
    expect(items.map((e) => e.action)).toEqual(['tenant.created', 'tenant.updated']);
    expect(items.every((e) => e.actor === 'bootstrap-admin')).toBe(true);
    expect(items[1].change).toMatchObject({
      name: { from: expect.any(String), to: 'Acme Renamed' },
    });

    const byAction = await t.http
      .get('/v1/audit/events?action=tenant.created')
      .set(bearer(auditor));
    expect((byAction.body.items as AuditEventView[]).map((e) => e.entityId)).toEqual([
      'acme',
      'globex',
      'initech',
    ]);

    const byActor = await t.http
      .get('/v1/audit/events?actor=bootstrap-admin&entityType=tenant')
      .set(bearer(auditor));
    expect(byActor.body.items).toHaveLength(4);
    const none = await t.http.get('/v1/audit/events?actor=nobody').set(bearer(auditor));
    expect(none.body).toEqual({ items: [], nextCursor: null });
  });

  it('should list only the events in the window when filtered by from and to', async () => {
    const all = (await t.http.get('/v1/audit/events?limit=1000').set(bearer(auditor))).body
      .items as AuditEventView[];
    const pivot = all.find((e) => e.action === 'tenant.updated') as AuditEventView;
    const after = await t.http
      .get(`/v1/audit/events?from=${pivot.occurredAt}&limit=1000`)
      .set(bearer(auditor));
    expect(
      (after.body.items as AuditEventView[]).every((e) => e.occurredAt >= pivot.occurredAt),
    ).toBe(true);
    expect((after.body.items as AuditEventView[]).some((e) => e.seq === pivot.seq)).toBe(true);
    const before = await t.http
      .get(`/v1/audit/events?to=${pivot.occurredAt}&limit=1000`)
      .set(bearer(auditor));
    expect((before.body.items as AuditEventView[]).some((e) => e.seq === pivot.seq)).toBe(false);
  });

  it('should page through every event in seq order when following nextCursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await t.http
        .get(`/v1/audit/events?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        .set(bearer(auditor));
      expect(res.status).toBe(200);
      seen.push(...(res.body.items as AuditEventView[]).map((e) => e.seq));
      cursor = res.body.nextCursor as string | null;
      pages += 1;
    } while (cursor);
    const total = (await verify()).events;
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => String(i + 1)));
    expect(pages).toBe(Math.ceil(total / 2));
  });

  it('should stream the same events as CSV when asked for text/csv', async () => {
    const json = (await t.http.get('/v1/audit/events?entityType=tenant').set(bearer(auditor))).body
      .items as AuditEventView[];
    const res = await t.http
      .get('/v1/audit/events?entityType=tenant')
      .set(bearer(auditor))
      .set('Accept', 'text/csv')
      .buffer(true);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-length']).toBeUndefined();
    const records = csvRecords(res.text);
    expect(records.map((r) => r.seq)).toEqual(json.map((e) => e.seq));
    expect(records.map((r) => r.hash)).toEqual(json.map((e) => e.hash));
    expect(JSON.parse(records[0].change)).toEqual(json[0].change);
  });

  it('should refuse the audit routes when the key is not an auditor', async () => {
    const comms = await t.key(['comms']);
    const tenant = await t.key(['tenant'], 'acme');
    for (const key of [comms, tenant]) {
      expect((await t.http.get('/v1/audit/events').set(bearer(key))).status).toBe(403);
      expect((await t.http.get('/v1/audit/verify').set(bearer(key))).status).toBe(403);
    }
    expect((await t.http.get('/v1/audit/verify')).status).toBe(401);
  });

  it('should keep one continuous chain when two app instances write at once', async () => {
    // A second Herald on the same database and queues, as a second replica would be.
    const env = testEnv(t.databaseUrl, { QUEUE_PREFIX: t.queuePrefix, ADMIN_API_KEY: t.adminKey });
    const second: NestExpressApplication = await createHttpApp(loadConfig(env));
    try {
      await second.listen(0, '127.0.0.1');
      const apps = [t.http, request(second.getHttpServer())];
      const before = (await verify()).events;
      const writes = Array.from({ length: 60 }, (_, i) => {
        const http = apps[i % 2];
        return i % 3 === 0
          ? http
              .post('/v1/api-keys')
              .set(bearer(t.adminKey))
              .send({ name: `parallel-key-${i}`, roles: ['auditor'] })
          : http
              .put(`/v1/tenants/parallel-${i}`)
              .set(bearer(t.adminKey))
              .send(tenantBody({ id: `parallel-${i}` }));
      });
      const statuses = (await Promise.all(writes)).map((r) => r.status);
      expect(statuses.every((s) => s === 201)).toBe(true);

      const result = await verify();
      expect(result.valid).toBe(true);
      expect(result.events).toBe(before + 60);
      const [gaps] = await withClient(
        t.databaseUrl,
        async (c) =>
          (
            await c.query(
              `SELECT count(*)::int AS n, min(seq)::int AS first, max(seq)::int AS last, count(DISTINCT prev_hash)::int AS prevs FROM audit_events`,
            )
          ).rows,
      );
      expect(gaps).toEqual({
        n: result.events,
        first: 1,
        last: result.events,
        prevs: result.events,
      });
      const fromSecond = await request(second.getHttpServer())
        .get('/v1/audit/verify')
        .set(bearer(auditor));
      expect(fromSecond.body).toMatchObject({ valid: true, events: result.events });
    } finally {
      await second.close();
    }
  });
});
