import { incidentBody } from '../factories/incident.factory.js';
import { tenantBody } from '../factories/tenant.factory.js';
import { apiClient, HeraldClient, Schemas } from '../support/api-client.js';
import { fromNow, HOUR_MS } from '../support/clock.js';
import { startSmtpSink, SmtpSink } from '../support/smtp-sink.js';
import { eventually, startTestApp, TestApp } from '../support/test-app.js';

// Every documented operation, called as a client generated from the document calls it: the
// request shapes are type-checked against clients/typescript/herald-api.d.ts, and each answer is
// held to the served document (status, media type, body schema with no undocumented field).
describe('the API as the OpenAPI document describes it', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let anonymous: HeraldClient;
  let admin: HeraldClient;
  let reporter: HeraldClient;
  let editor: HeraldClient;
  let approver: HeraldClient;
  let auditor: HeraldClient;

  const key = async (body: Schemas['CreateApiKeyBody']) => {
    const { response, data } = await admin.POST('/v1/api-keys', { body });
    expect(response.status).toBe(201);
    return data!;
  };

  beforeAll(async () => {
    sink = await startSmtpSink();
    // Webhook endpoints on loopback: registration checks addresses only; nothing calls them here.
    t = await startTestApp({ SMTP_URL: sink.url, WEBHOOK_ALLOW_LOOPBACK: 'true' });
    anonymous = await apiClient(t);
    admin = await apiClient(t, t.adminKey);
    reporter = await apiClient(
      t,
      (await key({ name: 'incident-system', roles: ['reporter'] })).key,
    );
    editor = await apiClient(t, (await key({ name: 'ed-comms', roles: ['comms'] })).key);
    approver = await apiClient(t, (await key({ name: 'ann-comms', roles: ['comms'] })).key);
    auditor = await apiClient(t, (await key({ name: 'audit', roles: ['auditor'] })).key);
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  it('should answer operations and health as documented', async () => {
    expect((await anonymous.GET('/health/live')).data).toEqual({ status: 'ok' });
    expect((await anonymous.GET('/health/ready')).response.status).toBe(200);
    const metrics = await anonymous.GET('/metrics', { parseAs: 'text' });
    expect(metrics.response.status).toBe(200);
    const regulations = await reporter.GET('/v1/regulations');
    expect(regulations.data?.items.length).toBeGreaterThan(5);
  });

  it('should answer webhooks as documented', async () => {
    const path = { params: { path: { id: 'contract-hooks' } } };
    const tenant = await admin.PUT('/v1/tenants/{id}', {
      ...path,
      body: { name: 'Hooks GmbH', countries: ['DE'], services: ['none'] },
    });
    expect(tenant.response.status).toBe(201);
    const created = await admin.POST('/v1/tenants/{id}/webhooks', {
      ...path,
      body: { url: 'http://127.0.0.1:9/hook', events: ['notice.sent'] },
    });
    expect(created.response.status).toBe(201);
    expect(created.data?.secret).toMatch(/^whsec_/);
    const refused = await admin.POST('/v1/tenants/{id}/webhooks', {
      ...path,
      body: { url: 'https://10.0.0.1/hook', events: ['notice.sent'] },
    });
    expect(refused.response.status).toBe(400);
    const hook = { params: { path: { id: 'contract-hooks', webhookId: created.data!.id } } };
    const rotated = await admin.POST('/v1/tenants/{id}/webhooks/{webhookId}/rotate', hook);
    expect(rotated.data?.secret).toMatch(/^whsec_/);
    const list = await admin.GET('/v1/tenants/{id}/webhooks', path);
    expect(list.data?.items.map((w) => w.id)).toEqual([created.data!.id]);
    expect(list.data?.items[0].previousSecretExpiresAt).toEqual(expect.any(String));
    const deleted = await admin.DELETE('/v1/tenants/{id}/webhooks/{webhookId}', hook);
    expect(deleted.response.status).toBe(204);
    const gone = await admin.DELETE('/v1/tenants/{id}/webhooks/{webhookId}', hook);
    expect(gone.response.status).toBe(404);
  });

  it('should answer api keys and tenants as documented', async () => {
    const keys = await admin.GET('/v1/api-keys', { params: { query: { limit: 2 } } });
    expect(keys.data?.items).toHaveLength(2);
    expect(keys.data?.nextCursor).toEqual(expect.any(String));
    const spare = await key({ name: 'spare', roles: ['auditor'] });
    const revoked = await admin.DELETE('/v1/api-keys/{id}', {
      params: { path: { id: spare.id } },
    });
    expect(revoked.response.status).toBe(204);

    const path = { params: { path: { id: 'contract-1' } } };
    const created = await admin.PUT('/v1/tenants/{id}', {
      ...path,
      body: { name: 'Contract GmbH', countries: ['DE'], services: ['mail'] },
    });
    expect(created.response.status).toBe(201);
    const updated = await admin.PUT('/v1/tenants/{id}', {
      ...path,
      body: { name: 'Contract GmbH', countries: ['DE'], services: ['mail'], flags: {} },
    });
    expect(updated.response.status).toBe(200);
    const contacts = await admin.PUT('/v1/tenants/{id}/contacts', {
      ...path,
      body: { contacts: [{ name: 'Sec', email: 'sec@contract.example', role: 'security' }] },
    });
    expect(contacts.data?.contacts).toHaveLength(1);
    expect((await auditor.GET('/v1/tenants/{id}', path)).data?.name).toBe('Contract GmbH');
    const bulk = await admin.POST('/v1/tenants/bulk', {
      body: {
        tenants: [tenantBody({ id: 'contract-2' })] as Schemas['BulkTenantsBody']['tenants'],
      },
    });
    expect(bulk.data).toEqual({ created: 1, updated: 0 });
  });

  it('should answer problems as documented', async () => {
    const missing = await anonymous.GET('/v1/incidents');
    expect(missing.response.status).toBe(401);
    const malformed = await auditor.GET('/v1/incidents/{id}', {
      params: { path: { id: 'not-a-uuid' } },
    });
    expect(malformed.error?.errors).toEqual([{ path: 'id', message: 'must be a UUID' }]);
    const unknown = await auditor.GET('/v1/incidents/{id}', {
      params: { path: { id: '00000000-0000-4000-8000-000000000000' } },
    });
    expect(unknown.response.status).toBe(404);
    const forbidden = await auditor.POST('/v1/incidents', {
      body: incidentBody() as Schemas['CreateIncidentBody'],
    });
    expect(forbidden.response.status).toBe(403);
  });

  it('should answer an incident from intake to delivery and its records as documented', async () => {
    const body = incidentBody({
      awareAt: fromNow(-HOUR_MS),
      occurredAt: fromNow(-2 * HOUR_MS),
      scope: { tenantIds: ['contract-1', 'contract-2'] },
    }) as Schemas['CreateIncidentBody'];
    const accepted = await reporter.POST('/v1/incidents', { body });
    expect(accepted.response.status).toBe(202);
    const again = await reporter.POST('/v1/incidents', { body });
    expect(again.response.status).toBe(200);
    const id = accepted.data!.id;
    const path = { params: { path: { id } } };

    await eventually(async () => {
      const { data } = await auditor.GET('/v1/incidents/{id}', path);
      return data?.status === 'awaiting-review' ? data : undefined;
    });
    const list = await auditor.GET('/v1/incidents', { params: { query: { limit: 10 } } });
    expect(list.data?.items.map((i) => i.id)).toContain(id);
    const tenants = await auditor.GET('/v1/incidents/{id}/tenants', path);
    expect(tenants.data?.items.map((i) => i.tenantId).sort()).toEqual(['contract-1', 'contract-2']);
    const patched = await reporter.PATCH('/v1/incidents/{id}', {
      ...path,
      body: { actionsTaken: ['Rotated every support credential'] },
    });
    expect(patched.data?.actionsTaken).toContain('Rotated every support credential');

    const notices = await auditor.GET('/v1/incidents/{id}/notices', path);
    const noticeId = notices.data!.items[0].id;
    const notice = { params: { path: { id: noticeId } } };
    expect((await auditor.GET('/v1/notices/{id}', notice)).data?.kind).toBe('initial');
    const edited = await editor.PATCH('/v1/notices/{id}', {
      ...notice,
      body: { expectedRevision: 1, suggestedActions: ['Reset your support passwords'] },
    });
    expect(edited.data?.revision).toBe(2);
    const revisions = await auditor.GET('/v1/notices/{id}/revisions', notice);
    expect(revisions.data?.items.map((r) => r.revision)).toEqual([1, 2]);
    const preview = await approver.GET('/v1/notices/{id}/preview', {
      params: { path: { id: noticeId }, query: { tenantId: 'contract-1', channel: 'email' } },
    });
    expect(preview.data?.subject).toEqual(expect.any(String));
    const approved = await approver.POST('/v1/notices/{id}/approve', notice);
    expect(approved.data?.status).toBe('approved');

    const update = await editor.POST('/v1/incidents/{id}/notices', {
      ...path,
      body: { kind: 'update' },
    });
    expect(update.response.status).toBe(201);
    const rejected = await approver.POST('/v1/notices/{id}/reject', {
      params: { path: { id: update.data!.id } },
      body: { reason: 'Nothing new to say yet' },
    });
    expect(rejected.data?.status).toBe('rejected');

    await eventually(async () => {
      const { data } = await auditor.GET('/v1/incidents/{id}', path);
      return data?.status === 'delivered' ? data : undefined;
    });
    const deliveries = await auditor.GET('/v1/deliveries', {
      params: { query: { incidentId: id } },
    });
    expect(deliveries.data?.items.every((d) => d.status === 'sent')).toBe(true);
    const csv = await auditor.GET('/v1/deliveries', {
      params: { query: { incidentId: id } },
      headers: { Accept: 'text/csv' },
      parseAs: 'text',
    });
    expect(csv.response.headers.get('content-type')).toMatch(/^text\/csv/);

    const compliance = await auditor.GET('/v1/incidents/{id}/compliance', path);
    expect(compliance.data?.summary?.tenants).toBe(2);
    expect(compliance.data?.items.every((i) => i.metDeadline === true)).toBe(true);
    const portfolio = await auditor.GET('/v1/compliance', {
      params: { query: { from: fromNow(-2 * HOUR_MS) } },
    });
    expect(portfolio.data?.totals.incidents).toBe(1);
    const events = await auditor.GET('/v1/audit/events', { params: { query: { incidentId: id } } });
    expect(events.data?.items.map((e) => e.action)).toContain('notice.approved');
    const verify = await auditor.GET('/v1/audit/verify');
    expect(verify.data?.valid).toBe(true);
  });
});
