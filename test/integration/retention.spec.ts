import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { Client } from 'pg';
import { RetentionService } from '../../src/compliance/retention.service.js';
import { incidentBody } from '../factories/incident.factory.js';
import { tenantBody } from '../factories/tenant.factory.js';
import { bearer, eventually, startTestApp, TestApp } from '../support/test-app.js';

const DAY = 86_400_000;

interface Keys {
  reporter: string;
  comms: string;
  auditor: string;
}

async function keys(t: TestApp): Promise<Keys> {
  return {
    reporter: await t.key(['reporter'], undefined, 'incident-system'),
    comms: await t.key(['comms'], undefined, 'alice-comms'),
    auditor: await t.key(['auditor'], undefined, 'auditor-ann'),
  };
}

async function incident(
  t: TestApp,
  k: Keys,
  tenantIds: string[],
  approve: boolean,
): Promise<string> {
  const res = await t.http
    .post('/v1/incidents')
    .set(bearer(k.reporter))
    .send(incidentBody({ scope: { tenantIds } }));
  expect(res.status).toBe(202);
  const id = res.body.id as string;
  const noticeId = await eventually(
    async () =>
      (await t.http.get(`/v1/incidents/${id}/notices`).set(bearer(k.comms))).body.items?.[0]?.id as
        string | undefined,
  );
  if (!approve) return id;
  expect((await t.http.post(`/v1/notices/${noticeId}/approve`).set(bearer(k.comms))).status).toBe(
    200,
  );
  await eventually(async () =>
    (await t.http.get(`/v1/incidents/${id}`).set(bearer(k.auditor))).body.status === 'delivered'
      ? true
      : undefined,
  );
  return id;
}

async function rowsOf(databaseUrl: string, incidentId: string): Promise<Record<string, number>> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT (SELECT count(*) FROM incidents WHERE id = $1)::int AS incidents,
              (SELECT count(*) FROM incident_tenants WHERE incident_id = $1)::int AS "incidentTenants",
              (SELECT count(*) FROM notices WHERE incident_id = $1)::int AS notices,
              (SELECT count(*) FROM notice_revisions r JOIN notices n ON n.id = r.notice_id WHERE n.incident_id = $1)::int AS revisions,
              (SELECT count(*) FROM deliveries WHERE incident_id = $1)::int AS deliveries,
              (SELECT count(*) FROM feed_posts WHERE incident_id = $1)::int AS "feedPosts",
              (SELECT count(*) FROM notice_fanouts WHERE incident_id = $1)::int AS fanouts,
              (SELECT count(*) FROM audit_events WHERE incident_id = $1)::int AS "auditEvents"`,
      [incidentId],
    );
    return rows[0] as Record<string, number>;
  } finally {
    await client.end();
  }
}

/** Shared dashboard post bodies of these notices (they outlive nothing: not even their ids). */
async function bodiesOf(databaseUrl: string, incidentId: string, noticeIds?: string[]) {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const ids =
      noticeIds ??
      (
        await client.query<{ id: string }>(`SELECT id FROM notices WHERE incident_id = $1`, [
          incidentId,
        ])
      ).rows.map((r) => r.id);
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM feed_post_bodies WHERE notice_id = ANY($1::uuid[])`,
      [ids],
    );
    return { ids, bodies: rows[0].n };
  } finally {
    await client.end();
  }
}

async function schedulerIds(t: TestApp): Promise<string[]> {
  const queue = t.app.get<Queue>(getQueueToken('maintenance'));
  return eventually(async () => {
    const ids = (await queue.getJobSchedulers()).map((s) => s.key).sort();
    return ids.includes('deadline-watch') ? ids : undefined;
  });
}

describe('retention with RETENTION_DAYS set', () => {
  let t: TestApp;
  let k: Keys;

  beforeAll(async () => {
    t = await startTestApp({ RETENTION_DAYS: '30', DEADLINE_WATCH_INTERVAL_MS: '86400000' });
    k = await keys(t);
    const tenants = [
      tenantBody({ id: 'kept-tenant', countries: ['BR'], dataRegions: ['sa-east'] }),
    ];
    expect(
      (await t.http.post('/v1/tenants/bulk').set(bearer(t.adminKey)).send({ tenants })).status,
    ).toBe(200);
  });
  afterAll(async () => {
    await t.close();
  });

  it('should schedule the daily retention job when RETENTION_DAYS is set', async () => {
    expect(await schedulerIds(t)).toEqual(['deadline-watch', 'reconcile', 'retention']);
  });

  it('should delete an idle incident with its deliveries, feed posts and notices but keep its audit events when its last activity is older than the retention', async () => {
    const old = await incident(t, k, ['kept-tenant'], true);
    const before = await rowsOf(t.databaseUrl, old);
    expect(before).toMatchObject({
      incidents: 1,
      incidentTenants: 1,
      notices: 1,
      deliveries: 2,
      feedPosts: 1,
      fanouts: 1,
    });
    const oldBodies = await bodiesOf(t.databaseUrl, old);
    expect(oldBodies.bodies).toBe(1);
    const oldEvents = (
      await t.http.get(`/v1/audit/events?incidentId=${old}&limit=1000`).set(bearer(k.auditor))
    ).body.items as Array<{ occurredAt: string }>;
    const lastActivity = Date.parse(oldEvents[oldEvents.length - 1].occurredAt);
    await new Promise((r) => setTimeout(r, 300));
    const recent = await incident(t, k, ['kept-tenant'], false);

    // Thirty days after the old incident's last activity (and a little): the recent one is younger.
    const result = await t.app.get(RetentionService).run(new Date(lastActivity + 30 * DAY + 100));
    expect(result).toMatchObject({ enabled: true, purged: [old] });

    expect(await rowsOf(t.databaseUrl, old)).toEqual({
      incidents: 0,
      incidentTenants: 0,
      notices: 0,
      revisions: 0,
      deliveries: 0,
      feedPosts: 0,
      fanouts: 0,
      auditEvents: before.auditEvents + 1,
    });
    expect((await bodiesOf(t.databaseUrl, old, oldBodies.ids)).bodies).toBe(0);
    expect((await t.http.get(`/v1/incidents/${old}`).set(bearer(k.auditor))).status).toBe(404);
    expect((await t.http.get(`/v1/incidents/${recent}`).set(bearer(k.auditor))).status).toBe(200);
    expect((await t.http.get('/v1/tenants/kept-tenant').set(bearer(k.auditor))).status).toBe(200);

    const purged = (
      await t.http
        .get(`/v1/audit/events?incidentId=${old}&action=incident.purged`)
        .set(bearer(k.auditor))
    ).body.items;
    expect(purged).toHaveLength(1);
    expect(purged[0]).toMatchObject({
      actor: 'system',
      entityType: 'incident',
      entityId: old,
      change: {
        retentionDays: 30,
        deleted: { incidents: 1, incidentTenants: 1, notices: 1, deliveries: 2, feedPosts: 1 },
      },
    });
    const verify = await t.http.get('/v1/audit/verify').set(bearer(k.auditor));
    expect(verify.body.valid).toBe(true);
  });

  it('should purge nothing when every remaining incident was active within the retention period', async () => {
    const events = (await t.http.get('/v1/audit/verify').set(bearer(k.auditor))).body
      .events as number;
    const result = await t.app.get(RetentionService).run(new Date(Date.now() + 29 * DAY));
    expect(result.purged).toEqual([]);
    expect((await t.http.get('/v1/audit/verify').set(bearer(k.auditor))).body.events).toBe(events);
  });
});

describe('retention without RETENTION_DAYS', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ DEADLINE_WATCH_INTERVAL_MS: '86400000' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should expire nothing and schedule no retention job when RETENTION_DAYS is unset', async () => {
    const k = await keys(t);
    expect(
      (
        await t.http
          .put('/v1/tenants/forever')
          .set(bearer(t.adminKey))
          .send(tenantBody({ id: 'forever', countries: ['BR'] }))
      ).status,
    ).toBe(201);
    const id = await incident(t, k, ['forever'], true);
    const before = await rowsOf(t.databaseUrl, id);
    const result = await t.app.get(RetentionService).run(new Date(Date.now() + 3650 * DAY));
    expect(result).toEqual({ enabled: false, cutoff: null, purged: [] });
    expect(await rowsOf(t.databaseUrl, id)).toEqual(before);
    expect(await schedulerIds(t)).toEqual(['deadline-watch', 'reconcile']);
  });
});
