import { tenantBody } from '../factories/tenant.factory.js';
import { expectConformant } from '../support/api-client.js';
import { csvRecords } from '../support/csv-parse.js';
import { flowKeys, seedTenants, type FlowKeys } from '../support/flow.js';
import { query } from '../support/inspect.js';
import { deliveredNotice } from '../support/portal.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { bearer, startTestApp, type TestApp } from '../support/test-app.js';

jest.setTimeout(120_000);

describe('POST /v1/notices/{id}/acknowledge', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let keys: FlowKeys;
  let incidentId: string;
  let noticeId: string;
  let keyA: string;
  let keyB: string;
  let keyOutside: string;

  const ack = (key: string, id = noticeId, body: Record<string, unknown> = {}) =>
    t.http.post(`/v1/notices/${id}/acknowledge`).set(bearer(key)).send(body);
  const rows = () =>
    query<{ tenant_id: string; acknowledged_by: string }>(
      t,
      'SELECT tenant_id, acknowledged_by FROM acknowledgements ORDER BY tenant_id',
    );

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({ SMTP_URL: sink.url });
    keys = await flowKeys(t);
    await seedTenants(t, [
      tenantBody({ id: 'ack-a' }),
      tenantBody({ id: 'ack-b' }),
      tenantBody({ id: 'ack-outside' }),
    ]);
    ({ incidentId, noticeId } = await deliveredNotice(t, keys, ['ack-a', 'ack-b']));
    keyA = await t.key(['tenant'], 'ack-a', 'ack-a-automation');
    keyB = await t.key(['tenant'], 'ack-b', 'ack-b-automation');
    keyOutside = await t.key(['tenant'], 'ack-outside', 'outside-automation');
  });

  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  it('should refuse a tenant the notice was never sent to with 404, and another tenant id with 403, storing nothing', async () => {
    const never = await ack(keyOutside);
    expect(never.status).toBe(404);
    expect(never.headers['content-type']).toMatch(/application\/problem\+json/);
    await expectConformant(t, never);
    const other = await ack(keyOutside, noticeId, { tenantId: 'ack-a' });
    expect(other.status).toBe(403);
    await expectConformant(t, other);
    const unknown = await ack(keyA, '00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    const staff = await ack(keys.comms, noticeId, { tenantId: 'ack-a' });
    expect(staff.status).toBe(403);
    const admin = await ack(t.adminKey);
    expect(admin.status).toBe(400);
    expect(admin.body.errors).toEqual([{ path: 'tenantId', message: expect.any(String) }]);
    const extra = await ack(keyA, noticeId, { tenantId: 'ack-a', note: 'x' });
    expect(extra.status).toBe(400);
    expect(await rows()).toEqual([]);
  });

  it('should record the first acknowledgement and return it unchanged when repeated', async () => {
    const first = await ack(keyA);
    expect(first.status).toBe(200);
    await expectConformant(t, first);
    expect(first.body).toEqual({
      noticeId,
      tenantId: 'ack-a',
      acknowledgedAt: expect.stringMatching(/Z$/),
      acknowledgedBy: 'ack-a-automation',
    });
    await new Promise((r) => setTimeout(r, 20));
    const again = await ack(keyA, noticeId, { tenantId: 'ack-a' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
  });

  it('should make one acknowledgement of many at once', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => ack(keyB)));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(new Set(answers.map((a) => a.body.acknowledgedAt)).size).toBe(1);
    expect(await rows()).toEqual([
      { tenant_id: 'ack-a', acknowledged_by: 'ack-a-automation' },
      { tenant_id: 'ack-b', acknowledged_by: 'ack-b-automation' },
    ]);
    const events = await query<{ actor: string; entity_id: string }>(
      t,
      `SELECT actor, entity_id FROM audit_events WHERE action = 'notice.acknowledged' ORDER BY actor`,
    );
    expect(events).toEqual([
      { actor: 'ack-a-automation', entity_id: noticeId },
      { actor: 'ack-b-automation', entity_id: noticeId },
    ]);
  });

  it('should show the acknowledgements on the compliance report, JSON and CSV', async () => {
    const report = await t.http
      .get(`/v1/incidents/${incidentId}/compliance`)
      .set(bearer(keys.auditor));
    expect(report.status).toBe(200);
    await expectConformant(t, report);
    const byTenant = new Map(
      (report.body.items as Array<{ tenantId: string; acknowledgedBy: string | null }>).map((i) => [
        i.tenantId,
        i,
      ]),
    );
    expect(byTenant.get('ack-a')).toMatchObject({
      acknowledgedBy: 'ack-a-automation',
      acknowledgedAt: expect.stringMatching(/Z$/),
    });
    const csv = await t.http
      .get(`/v1/incidents/${incidentId}/compliance`)
      .set(bearer(keys.auditor))
      .set('Accept', 'text/csv');
    expect(csv.status).toBe(200);
    const records = csvRecords(csv.text);
    const b = records.find((r) => r.tenantId === 'ack-b');
    expect(b?.acknowledgedBy).toBe('ack-b-automation');
    expect(b?.acknowledgedAt).toMatch(/Z$/);
  });
});
