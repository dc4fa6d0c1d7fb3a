import { apiClient, HeraldClient, Schemas } from '../support/api-client.js';
import { startSmtpSink, SmtpSink } from '../support/smtp-sink.js';
import { eventually, startTestApp, TestApp } from '../support/test-app.js';
import { incidentBody } from '../factories/incident.factory.js';
import { tenantBody } from '../factories/tenant.factory.js';

describe('the whole flow', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let admin: HeraldClient;
  let reporter: HeraldClient;
  let comms: HeraldClient;
  let auditor: HeraldClient;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({ SMTP_URL: sink.url });
    admin = await apiClient(t, t.adminKey);
    reporter = await apiClient(t, await t.key(['reporter'], undefined, 'incident-system'));
    comms = await apiClient(t, await t.key(['comms'], undefined, 'alice-comms'));
    auditor = await apiClient(t, await t.key(['auditor'], undefined, 'audit'));
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
    const bulk = await admin.POST('/v1/tenants/bulk', {
      body: { tenants: tenants as Schemas['BulkTenantsBody']['tenants'] },
    });
    expect(bulk.data).toEqual({ created: 4, updated: 0 });

    const post = await reporter.POST('/v1/incidents', {
      body: incidentBody({ scope: { services: ['mail'] } }) as Schemas['CreateIncidentBody'],
    });
    expect(post.response.status).toBe(202);
    const id = post.data!.id;
    const path = { params: { path: { id } } };

    const resolved = await eventually(async () => {
      const { data } = await auditor.GET('/v1/incidents/{id}', path);
      return data?.status === 'awaiting-review' ? data : undefined;
    });
    expect(resolved.affectedTenantCount).toBe(3);

    const notice = await eventually(async () => {
      const { data } = await comms.GET('/v1/incidents/{id}/notices', path);
      return data?.items[0];
    });
    expect(notice).toMatchObject({
      kind: 'initial',
      status: 'draft',
      revision: 1,
      createdBy: 'incident-system',
    });

    const approve = await comms.POST('/v1/notices/{id}/approve', {
      params: { path: { id: notice.id } },
    });
    expect(approve.response.status).toBe(200);
    expect(approve.data?.status).toBe('approved');

    await eventually(async () => {
      const { data } = await auditor.GET('/v1/incidents/{id}', path);
      return data?.status === 'delivered' ? data : undefined;
    });
    const rcpts = sink.messages.flatMap((m) => m.envelope.rcptTo).sort();
    expect(rcpts).toEqual(['a@de1.example', 'b@us1.example', 'c@jp1.example']);

    const deliveries = await auditor.GET('/v1/deliveries', {
      params: { query: { incidentId: id } },
    });
    expect(deliveries.data?.items).toHaveLength(6);
    expect(deliveries.data?.items.every((d) => d.status === 'sent')).toBe(true);

    const tenant = await apiClient(t, await t.key(['tenant'], 'jp-1'));
    const feed = await tenant.GET('/v1/tenants/{id}/feed', { params: { path: { id: 'jp-1' } } });
    expect(feed.response.status).toBe(200);
    expect(feed.data?.items).toHaveLength(1);
    const atom = await tenant.GET('/v1/tenants/{id}/feed.atom', {
      params: { path: { id: 'jp-1' } },
      parseAs: 'text',
    });
    expect(atom.response.status).toBe(200);
    const etag = feed.response.headers.get('etag')!;
    const again = await tenant.GET('/v1/tenants/{id}/feed', {
      params: { path: { id: 'jp-1' } },
      headers: { 'If-None-Match': etag },
    });
    expect(again.response.status).toBe(304);
  });
});
