import { WebhookEventsService } from '../../src/webhooks/webhook-events.service.js';
import { tenantBody } from '../factories/tenant.factory.js';
import { HOUR_MS, ManualClock } from '../support/clock.js';
import {
  approve,
  deliveries,
  flowKeys,
  FlowKeys,
  postIncident,
  seedTenants,
  waitForStatus,
} from '../support/flow.js';
import { startSmtpSink, SmtpSink } from '../support/smtp-sink.js';
import { bearer, eventually, startTestApp, TestApp } from '../support/test-app.js';
import {
  startWebhookReceiver,
  verifies,
  verifyCall,
  WebhookReceiver,
} from '../support/webhook-receiver.js';

async function register(
  t: TestApp,
  key: string,
  tenantId: string,
  url: string,
  events = ['notice.sent', 'notice.updated'],
): Promise<{ id: string; secret: string }> {
  const r = await t.http
    .post(`/v1/tenants/${tenantId}/webhooks`)
    .set(bearer(key))
    .send({ url, events });
  if (r.status !== 201) throw new Error(`register answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body as { id: string; secret: string };
}

describe('signed webhooks (loopback allowed)', () => {
  let t: TestApp;
  let keys: FlowKeys;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await startTestApp({
      WEBHOOK_ALLOW_LOOPBACK: 'true',
      DELIVERY_RETRY_BASE_MS: '40',
      DELIVERY_MAX_ATTEMPTS: '6',
      WEBHOOK_SECRET_KEY: 'k'.repeat(40),
    });
    keys = await flowKeys(t);
  });
  afterAll(async () => {
    await t.close();
    await receiver.stop();
  });

  it('should deliver an approved notice once, signed, as the tenant post with its obligations', async () => {
    await seedTenants(t, [tenantBody({ id: 'hook-acme', services: ['w1'], locale: 'de-DE' })]);
    const tenantKey = await t.key(['tenant'], 'hook-acme');
    const hook = await register(t, tenantKey, 'hook-acme', receiver.url('/acme'));
    expect(hook.secret).toMatch(/^whsec_/);

    const { incidentId, noticeId } = await postIncident(t, keys, { scope: { services: ['w1'] } });
    await approve(t, keys, noticeId);
    await waitForStatus(t, keys, incidentId, 'delivered');

    const calls = receiver.calls.filter((c) => c.path === '/acme');
    expect(calls).toHaveLength(1);
    const payload = verifyCall(hook.secret, calls[0]) as {
      type: string;
      data: Record<string, unknown> & { obligations: Array<{ dueAt: string | null }> };
    };
    expect(payload.type).toBe('notice.sent');
    // The post in the tenant's locale (de-DE is rendered with the de templates).
    expect(payload.data).toMatchObject({ noticeId, tenantId: 'hook-acme', locale: 'de' });
    expect(payload.data.obligations.length).toBeGreaterThan(0);
    expect(typeof payload.data.noticeDueAt).toBe('string');
    expect(String(payload.data.text)).toContain('stolen support credential');

    const records = (await deliveries(t, keys, incidentId)).filter((d) => d.channel === 'webhook');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ recipient: hook.id, status: 'sent', attempts: 1 });
    expect(records[0].messageId).toBe(calls[0].headers['webhook-id']);
    const filtered = await t.http
      .get('/v1/deliveries')
      .query({ incidentId, channel: 'webhook' })
      .set(bearer(keys.auditor));
    expect(filtered.status).toBe(200);
    expect(filtered.body.items.map((d: { recipient: string }) => d.recipient)).toEqual([hook.id]);

    const list = await t.http.get('/v1/tenants/hook-acme/webhooks').set(bearer(tenantKey));
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).not.toHaveProperty('secret');
    expect(list.body.items[0].stats).toMatchObject({
      attempts24h: 1,
      succeeded24h: 1,
      successRate24h: 1,
    });
  });

  it('should retry a receiver answering 503 twice and deliver it with the same webhook-id', async () => {
    await seedTenants(t, [tenantBody({ id: 'hook-flaky', services: ['w2'] })]);
    receiver.answer('/flaky', (_call, nth, res) =>
      nth <= 2
        ? res.writeHead(503, { 'retry-after': '0' }).end('busy')
        : res.writeHead(200).end('ok'),
    );
    const hook = await register(t, t.adminKey, 'hook-flaky', receiver.url('/flaky'));
    const { incidentId, noticeId } = await postIncident(t, keys, { scope: { services: ['w2'] } });
    await approve(t, keys, noticeId);
    await waitForStatus(t, keys, incidentId, 'delivered');

    const calls = receiver.calls.filter((c) => c.path === '/flaky');
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.headers['webhook-id'])).size).toBe(1);
    expect(new Set(calls.map((c) => c.body)).size).toBe(1);
    for (const c of calls) expect(verifies(hook.secret, c)).toBe(true);
    const [record] = (await deliveries(t, keys, incidentId)).filter((d) => d.channel === 'webhook');
    expect(record).toMatchObject({ status: 'sent', attempts: 3 });
  });

  it('should end a delivery failed without retry when the receiver answers 410', async () => {
    await seedTenants(t, [tenantBody({ id: 'hook-gone', services: ['w3'] })]);
    receiver.answer('/gone', (_call, _nth, res) => res.writeHead(410).end());
    await register(t, t.adminKey, 'hook-gone', receiver.url('/gone'));
    const { incidentId, noticeId } = await postIncident(t, keys, { scope: { services: ['w3'] } });
    await approve(t, keys, noticeId);
    const record = await eventually(async () => {
      const [r] = (await deliveries(t, keys, incidentId)).filter((d) => d.channel === 'webhook');
      return r?.status === 'failed' ? r : undefined;
    });
    expect(record).toMatchObject({ attempts: 1, lastError: 'HTTP 410' });
    expect(receiver.calls.filter((c) => c.path === '/gone')).toHaveLength(1);
    // Email still reached the tenant: the report counts it notified by that, not the webhook.
  });

  it('should not follow a redirect and record the failure, the target seeing no connection', async () => {
    const target = await startWebhookReceiver();
    try {
      await seedTenants(t, [tenantBody({ id: 'hook-redirect', services: ['w4'] })]);
      receiver.answer('/redirect', (_call, _nth, res) =>
        res.writeHead(307, { location: target.url('/elsewhere') }).end(),
      );
      await register(t, t.adminKey, 'hook-redirect', receiver.url('/redirect'));
      const { incidentId, noticeId } = await postIncident(t, keys, { scope: { services: ['w4'] } });
      await approve(t, keys, noticeId);
      const record = await eventually(async () => {
        const [r] = (await deliveries(t, keys, incidentId)).filter((d) => d.channel === 'webhook');
        return r?.status === 'failed' ? r : undefined;
      });
      expect(record.lastError).toContain('redirects are not followed');
      expect(target.connections).toBe(0);
    } finally {
      await target.stop();
    }
  });

  it('should count a tenant notified by webhook only when its endpoint answered 2xx', async () => {
    // Billing contacts get no notice email: the webhook is these tenants' only pushed channel.
    const billingOnly = (id: string) =>
      tenantBody({
        id,
        services: ['w5'],
        contacts: [{ name: 'B', email: `billing@${id}.example`, role: 'billing' }],
      });
    await seedTenants(t, [billingOnly('hook-ok'), billingOnly('hook-no')]);
    receiver.answer('/no', (_call, _nth, res) => res.writeHead(404).end());
    await register(t, t.adminKey, 'hook-ok', receiver.url('/ok'));
    await register(t, t.adminKey, 'hook-no', receiver.url('/no'));
    const { incidentId, noticeId } = await postIncident(t, keys, { scope: { services: ['w5'] } });
    await approve(t, keys, noticeId);
    await waitForStatus(t, keys, incidentId, 'delivered');
    const res = await t.http
      .get(`/v1/incidents/${incidentId}/compliance`)
      .set(bearer(keys.auditor));
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(
      (
        res.body.items as Array<{
          tenantId: string;
          firstSentChannel: string | null;
          firstSentAt: string | null;
        }>
      ).map((i) => [i.tenantId, i]),
    );
    expect(byId['hook-ok']).toMatchObject({ firstSentChannel: 'webhook' });
    expect(byId['hook-ok'].firstSentAt).not.toBeNull();
    // Its dashboard post went out, but a tenant with a failed webhook is not counted told by it.
    expect(byId['hook-no']).toMatchObject({ firstSentChannel: null, firstSentAt: null });
  });

  it("should refuse another tenant's key and audit every change with its actor", async () => {
    await seedTenants(t, [tenantBody({ id: 'hook-a' }), tenantBody({ id: 'hook-b' })]);
    const keyA = await t.key(['tenant'], 'hook-a', 'tenant-a-key');
    const keyB = await t.key(['tenant'], 'hook-b');
    const hook = await register(t, keyA, 'hook-a', receiver.url('/a'));
    const foreign = await t.http
      .post('/v1/tenants/hook-a/webhooks')
      .set(bearer(keyB))
      .send({ url: receiver.url('/b'), events: ['notice.sent'] });
    expect(foreign.status).toBe(403);
    const rotated = await t.http
      .post(`/v1/tenants/hook-a/webhooks/${hook.id}/rotate`)
      .set(bearer(keyA));
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(hook.secret);
    const del = await t.http.delete(`/v1/tenants/hook-a/webhooks/${hook.id}`).set(bearer(keyA));
    expect(del.status).toBe(204);
    const again = await t.http.delete(`/v1/tenants/hook-a/webhooks/${hook.id}`).set(bearer(keyA));
    expect(again.status).toBe(404);
    const events = await t.http
      .get('/v1/audit/events')
      .query({ entityId: hook.id, limit: 100 })
      .set(bearer(keys.auditor));
    const actions = (events.body.items as Array<{ action: string; actor: string }>).map(
      (e) => `${e.action} by ${e.actor}`,
    );
    expect(actions).toEqual(
      expect.arrayContaining([
        'webhook.created by tenant-a-key',
        'webhook.secret-rotated by tenant-a-key',
        'webhook.deleted by tenant-a-key',
      ]),
    );
  });
});

describe('webhook secret rotation', () => {
  let t: TestApp;
  let keys: FlowKeys;
  let receiver: WebhookReceiver;
  const clock = new ManualClock();

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await startTestApp(
      { WEBHOOK_ALLOW_LOOPBACK: 'true', WEBHOOK_SECRET_OVERLAP_HOURS: '24' },
      { clock },
    );
    keys = await flowKeys(t);
  });
  afterAll(async () => {
    await t.close();
    await receiver.stop();
  });

  it('should sign with both secrets during the overlap and with the new one only after it', async () => {
    await seedTenants(t, [tenantBody({ id: 'hook-rotate', services: ['r1', 'r2'] })]);
    const hook = await register(t, t.adminKey, 'hook-rotate', receiver.url('/rotate'));
    const rotated = await t.http
      .post(`/v1/tenants/hook-rotate/webhooks/${hook.id}/rotate`)
      .set(bearer(t.adminKey));
    const fresh = (rotated.body as { secret: string }).secret;

    const first = await postIncident(t, keys, { scope: { services: ['r1'] } });
    await approve(t, keys, first.noticeId);
    const during = await eventually(async () => receiver.calls.find((c) => c.path === '/rotate'));
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifies(hook.secret, during, clock.nowMs())).toBe(true);
    expect(verifies(fresh, during, clock.nowMs())).toBe(true);

    clock.advance(25 * HOUR_MS);
    const second = await postIncident(t, keys, { scope: { services: ['r2'] } });
    await approve(t, keys, second.noticeId);
    const after = await eventually(
      async () => receiver.calls.filter((c) => c.path === '/rotate')[1],
    );
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifies(fresh, after, clock.nowMs())).toBe(true);
    expect(verifies(hook.secret, after, clock.nowMs())).toBe(false);
  });
});

describe('webhook registration with the loopback allowance off', () => {
  let t: TestApp;
  let v4: WebhookReceiver;
  let v6: WebhookReceiver;

  beforeAll(async () => {
    v4 = await startWebhookReceiver('127.0.0.1');
    v6 = await startWebhookReceiver('::1');
    t = await startTestApp({});
  });
  afterAll(async () => {
    await t.close();
    await v4.stop();
    await v6.stop();
  });

  it('should refuse loopback URLs with a 400 naming the url and store nothing', async () => {
    await seedTenants(t, [tenantBody({ id: 'hook-ssrf' })]);
    const urls = [
      `http://127.0.0.1:${v4.port}/hook`,
      `http://[::1]:${v6.port}/hook`,
      `http://localhost:${v4.port}/hook`,
      `https://localhost:${v4.port}/hook`,
      `https://127.0.0.1:${v4.port}/hook`,
      `https://[::1]:${v6.port}/hook`,
      `https://[::ffff:127.0.0.1]:${v4.port}/hook`,
    ];
    for (const url of urls) {
      const r = await t.http
        .post('/v1/tenants/hook-ssrf/webhooks')
        .set(bearer(t.adminKey))
        .send({ url, events: ['notice.sent'] });
      expect({ url, status: r.status }).toEqual({ url, status: 400 });
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.body.errors[0].path).toBe('url');
    }
    const list = await t.http.get('/v1/tenants/hook-ssrf/webhooks').set(bearer(t.adminKey));
    expect(list.body.items).toEqual([]);
    expect(v4.connections).toBe(0);
    expect(v6.connections).toBe(0);
  });
});

describe('webhook events and failing endpoints', () => {
  let t: TestApp;
  let keys: FlowKeys;
  let receiver: WebhookReceiver;
  let sink: SmtpSink;
  const clock = new ManualClock();

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    sink = await startSmtpSink();
    t = await startTestApp(
      {
        WEBHOOK_ALLOW_LOOPBACK: 'true',
        WEBHOOK_DISABLE_AFTER_HOURS: '1',
        DELIVERY_MAX_ATTEMPTS: '1',
        SMTP_URL: sink.url,
      },
      { clock },
    );
    keys = await flowKeys(t);
  });
  afterAll(async () => {
    await t.close();
    await receiver.stop();
    await sink.stop();
  });

  it('should push contacts.verification_needed, signed, to the endpoints subscribed to it only', async () => {
    await seedTenants(t, [tenantBody({ id: 'hook-events' })]);
    const hook = await register(t, t.adminKey, 'hook-events', receiver.url('/events'), [
      'contacts.verification_needed',
    ]);
    await register(t, t.adminKey, 'hook-events', receiver.url('/notices-only'), ['notice.sent']);
    const events = t.app.get(WebhookEventsService);
    const queued = await events.publish('hook-events', 'contacts.verification_needed', {
      tenantId: 'hook-events',
      contacts: [{ email: 'new@hook-events.example', role: 'security' }],
    });
    expect(queued).toBe(1);
    const call = await eventually(async () => receiver.calls.find((c) => c.path === '/events'));
    const payload = verifyCall(hook.secret, call, clock.nowMs()) as { type: string; data: unknown };
    expect(payload).toMatchObject({
      type: 'contacts.verification_needed',
      data: { contacts: [{ email: 'new@hook-events.example' }] },
    });
    expect(String(call.headers['webhook-id'])).toMatch(/^msg_/);
    expect(receiver.calls.filter((c) => c.path === '/notices-only')).toHaveLength(0);
  });

  it('should disable an endpoint failing for longer than the limit, audit it and tell the contacts', async () => {
    await seedTenants(t, [
      tenantBody({
        id: 'hook-dead',
        services: ['d1', 'd2'],
        contacts: [{ name: 'Ops', email: 'ops@hook-dead.example', role: 'primary' }],
      }),
    ]);
    receiver.answer('/dead', (_call, _nth, res) => res.writeHead(500).end());
    const hook = await register(t, t.adminKey, 'hook-dead', receiver.url('/dead'), [
      'notice.sent',
      'contacts.verification_needed',
    ]);
    const first = await postIncident(t, keys, { scope: { services: ['d1'] } });
    await approve(t, keys, first.noticeId);
    await waitForStatus(t, keys, first.incidentId, 'delivered');
    const listed = async () =>
      (await t.http.get('/v1/tenants/hook-dead/webhooks').set(bearer(t.adminKey))).body
        .items[0] as { failingSince: string | null; disabledAt: string | null };
    expect(await listed()).toMatchObject({
      failingSince: clock.now().toISOString(),
      disabledAt: null,
    });

    clock.advance(2 * HOUR_MS);
    await t.app.get(WebhookEventsService).publish('hook-dead', 'contacts.verification_needed', {});
    const disabled = await eventually(async () => {
      const e = await listed();
      return e.disabledAt ? e : undefined;
    });
    expect(disabled.disabledAt).toBe(clock.now().toISOString());
    const mail = await eventually(async () => {
      for (const m of sink.messages.filter((x) =>
        x.envelope.rcptTo.includes('ops@hook-dead.example'),
      )) {
        const parsed = await m.parse();
        if (parsed.subject?.startsWith('Webhook endpoint disabled')) return parsed;
      }
      return undefined;
    });
    expect(mail.subject).toBe(`Webhook endpoint disabled: ${receiver.url('/dead')}`);
    expect(mail.text).toContain(hook.id);
    const audit = await t.http
      .get('/v1/audit/events')
      .query({ entityId: hook.id, action: 'webhook.disabled' })
      .set(bearer(keys.auditor));
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0].actor).toBe('system');

    const calls = receiver.calls.filter((c) => c.path === '/dead').length;
    const second = await postIncident(t, keys, { scope: { services: ['d2'] } });
    await approve(t, keys, second.noticeId);
    await waitForStatus(t, keys, second.incidentId, 'delivered');
    const records = await deliveries(t, keys, second.incidentId);
    expect(records.filter((d) => d.channel === 'webhook')).toHaveLength(0);
    expect(receiver.calls.filter((c) => c.path === '/dead')).toHaveLength(calls);
  });
});
