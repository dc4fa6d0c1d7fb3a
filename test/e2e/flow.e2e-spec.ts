import { startSmtpSink, SmtpSink } from '../support/smtp-sink.js';
import { bearer, eventually, startTestApp, TestApp } from '../support/test-app.js';
import { incidentBody } from '../factories/incident.factory.js';
import { tenantBody } from '../factories/tenant.factory.js';

describe('the whole flow', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let reporter: string;
  let comms: string;
  let auditor: string;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({ SMTP_URL: sink.url });
    reporter = await t.key(['reporter'], undefined, 'incident-system');
    comms = await t.key(['comms'], undefined, 'alice-comms');
    auditor = await t.key(['auditor'], undefined, 'audit');
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  it('should notify every affected tenant once a second person approves', async () => {
    const tenants = [
      tenantBody({
        id: 'de-1',
        countries: ['DE'],
        contacts: [
          { name: 'A', email: 'a@de1.example', role: 'primary' },
          { name: 'A again', email: 'A@de1.example', role: 'security' },
          { name: 'Billing', email: 'bill@de1.example', role: 'billing' },
        ],
      }),
      tenantBody({
        id: 'us-1',
        countries: ['US-CA'],
        locale: 'en-US',
        timeZone: 'America/Los_Angeles',
        contacts: [{ name: 'B', email: 'b@us1.example', role: 'privacy' }],
      }),
      tenantBody({
        id: 'jp-1',
        countries: ['JP'],
        locale: 'ja-JP',
        timeZone: 'Asia/Tokyo',
        contacts: [{ name: 'C', email: 'c@jp1.example', role: 'primary' }],
      }),
      tenantBody({ id: 'other', services: ['files'] }),
    ];
    expect(
      (await t.http.post('/v1/tenants/bulk').set(bearer(t.adminKey)).send({ tenants })).status,
    ).toBe(200);

    const post = await t.http
      .post('/v1/incidents')
      .set(bearer(reporter))
      .send(incidentBody({ scope: { services: ['mail'] } }));
    expect(post.status).toBe(202);
    const id = post.body.id as string;

    const resolved = await eventually(async () => {
      const r = await t.http.get(`/v1/incidents/${id}`).set(bearer(auditor));
      return r.body.status === 'awaiting-review' ? r.body : undefined;
    });
    expect(resolved.affectedTenantCount).toBe(3);

    const notice = await eventually(async () => {
      const r = await t.http.get(`/v1/incidents/${id}/notices`).set(bearer(comms));
      return r.body.items?.[0];
    });
    expect(notice).toMatchObject({
      kind: 'initial',
      status: 'draft',
      revision: 1,
      createdBy: 'incident-system',
    });

    const approve = await t.http.post(`/v1/notices/${notice.id}/approve`).set(bearer(comms));
    expect(approve.status).toBe(200);
    expect(approve.body.status).toBe('approved');

    await eventually(async () => {
      const r = await t.http.get(`/v1/incidents/${id}`).set(bearer(auditor));
      return r.body.status === 'delivered' ? r.body : undefined;
    });
    const rcpts = sink.messages.flatMap((m) => m.envelope.rcptTo).sort();
    expect(rcpts).toEqual(['a@de1.example', 'b@us1.example', 'c@jp1.example']);

    const deliveries = await t.http.get(`/v1/deliveries?incidentId=${id}`).set(bearer(auditor));
    expect(deliveries.body.items).toHaveLength(6);
    expect(deliveries.body.items.every((d: { status: string }) => d.status === 'sent')).toBe(true);

    const tenantKey = await t.key(['tenant'], 'jp-1');
    const feed = await t.http.get('/v1/tenants/jp-1/feed').set(bearer(tenantKey));
    expect(feed.status).toBe(200);
    expect(feed.body.items).toHaveLength(1);
  });
});
