import type { ComplianceTenantView } from '../../src/compliance/compliance.service.js';
import { incidentBody } from '../factories/incident.factory.js';
import { tenantBody } from '../factories/tenant.factory.js';
import { csvRecords } from '../support/csv-parse.js';
import { startSmtpSink, SmtpSink } from '../support/smtp-sink.js';
import { bearer, eventually, startTestApp, TestApp } from '../support/test-app.js';

type TenantItem = ComplianceTenantView;

const HOUR = 3_600_000;

// Brazil: the only provider obligation is the contract, so contractualNoticeHours sets each deadline.
const tenant = (
  id: string,
  hours: number,
  contacts: Array<{ name: string; email: string; role: string }>,
) =>
  tenantBody({
    id,
    countries: ['BR'],
    dataRegions: ['sa-east'],
    contractualNoticeHours: hours,
    contacts,
  });

describe('compliance report', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let reporter: string;
  let comms: string;
  let auditor: string;
  let incidentId: string;
  let pendingIncidentId: string;
  let noticeId: string;
  let awareAt: string;

  beforeAll(async () => {
    sink = await startSmtpSink({
      behaviour: (rcpt) =>
        rcpt.startsWith('bounce') ? { code: 550, message: 'mailbox unavailable' } : 'accept',
    });
    t = await startTestApp({ SMTP_URL: sink.url, DEADLINE_WATCH_INTERVAL_MS: '86400000' });
    reporter = await t.key(['reporter'], undefined, 'incident-system');
    comms = await t.key(['comms'], undefined, 'alice-comms');
    auditor = await t.key(['auditor'], undefined, 'auditor-ann');
    const tenants = [
      tenant('on-time', 8760, [
        { name: 'A', email: 'a@on-time.example', role: 'primary' },
        { name: 'B', email: 'b@on-time.example', role: 'security' },
      ]),
      tenant('late', 24, [{ name: 'L', email: 'l@late.example', role: 'primary' }]),
      tenant('bounced', 8760, [{ name: 'X', email: 'bounce-1@bounced.example', role: 'primary' }]),
      tenant('bounced-late', 24, [
        { name: 'Y', email: 'bounce-2@bounced-late.example', role: 'privacy' },
      ]),
      tenant('feed-only', 8760, [
        { name: 'Billing', email: 'billing@feed-only.example', role: 'billing' },
      ]),
    ];
    expect(
      (await t.http.post('/v1/tenants/bulk').set(bearer(t.adminKey)).send({ tenants })).status,
    ).toBe(200);

    // Aware three days ago: the 24-hour contract deadline passed two days ago.
    awareAt = new Date(Date.now() - 72 * HOUR).toISOString();
    const post = await t.http
      .post('/v1/incidents')
      .set(bearer(reporter))
      .send(
        incidentBody({
          awareAt,
          occurredAt: undefined,
          scope: { tenantIds: tenants.map((x) => x.id) },
        }),
      );
    expect(post.status).toBe(202);
    incidentId = post.body.id;
    noticeId = await eventually(
      async () =>
        (await t.http.get(`/v1/incidents/${incidentId}/notices`).set(bearer(comms))).body.items?.[0]
          ?.id as string | undefined,
    );
    expect((await t.http.post(`/v1/notices/${noticeId}/approve`).set(bearer(comms))).status).toBe(
      200,
    );
    await eventually(async () =>
      (await t.http.get(`/v1/incidents/${incidentId}`).set(bearer(auditor))).body.status ===
      'delivered'
        ? true
        : undefined,
    );

    // A second incident nobody has approved yet: its tenant is pending.
    const second = await t.http
      .post('/v1/incidents')
      .set(bearer(reporter))
      .send(
        incidentBody({
          awareAt: new Date(Date.now() - HOUR).toISOString(),
          occurredAt: undefined,
          scope: { tenantIds: ['on-time'] },
        }),
      );
    pendingIncidentId = second.body.id;
    await eventually(async () =>
      (await t.http.get(`/v1/incidents/${pendingIncidentId}`).set(bearer(auditor))).body.status ===
      'awaiting-review'
        ? true
        : undefined,
    );
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  const report = async (query = '') => {
    const res = await t.http
      .get(`/v1/incidents/${incidentId}/compliance${query}`)
      .set(bearer(auditor));
    expect(res.status).toBe(200);
    return res.body as {
      incident: { id: string; externalId: string };
      summary: Record<string, number> | null;
      items: TenantItem[];
      nextCursor: string | null;
    };
  };

  it('should mark in-time and late tenants correctly when the incident was delivered', async () => {
    const body = await report();
    const byId = Object.fromEntries(body.items.map((i) => [i.tenantId, i]));
    expect(body.items.map((i) => i.tenantId)).toEqual([
      'bounced',
      'bounced-late',
      'feed-only',
      'late',
      'on-time',
    ]);

    expect(byId['on-time']).toMatchObject({
      metDeadline: true,
      firstSentChannel: 'email',
      undeliverable: false,
    });
    expect(byId['on-time'].firstSentAt).toBe(
      byId['on-time'].deliveries
        .filter((d) => d.channel === 'email')
        .map((d) => d.sentAt as string)
        .sort()[0],
    );
    expect(byId['late']).toMatchObject({
      metDeadline: false,
      firstSentChannel: 'email',
      undeliverable: false,
    });
    expect(Date.parse(byId['late'].firstSentAt as string)).toBeGreaterThan(
      Date.parse(byId['late'].noticeDueAt),
    );
    expect(Date.parse(byId['late'].noticeDueAt)).toBe(Date.parse(awareAt) + 24 * HOUR);
    expect(byId['bounced']).toMatchObject({
      metDeadline: null,
      firstSentAt: null,
      undeliverable: true,
    });
    expect(byId['bounced-late']).toMatchObject({
      metDeadline: false,
      firstSentAt: null,
      undeliverable: true,
    });
    // No email contact: the dashboard post is the notice.
    expect(byId['feed-only']).toMatchObject({
      metDeadline: true,
      firstSentChannel: 'dashboard',
      undeliverable: false,
    });
    expect(byId['feed-only'].deliveries.map((d) => d.channel)).toEqual(['dashboard']);

    expect(Object.fromEntries(body.items.map((i) => [i.tenantId, i.deadlineState]))).toEqual({
      'on-time': 'notified',
      late: 'notified',
      bounced: 'ok',
      'bounced-late': 'missed',
      'feed-only': 'notified',
    });

    expect(body.summary).toEqual({
      tenants: 5,
      notifiedInTime: 2,
      late: 2,
      notifiedLate: 1,
      missed: 1,
      notYetDue: 1,
      undeliverable: 2,
    });
  });

  it('should show the approval whose hash equals the notice approvedSha256 when a tenant was sent the notice', async () => {
    const notice = (await t.http.get(`/v1/notices/${noticeId}`).set(bearer(comms))).body as {
      approvedSha256: string;
      approvedRevision: number;
    };
    const body = await report();
    for (const item of body.items) {
      expect(item.notices).toHaveLength(1);
      expect(item.notices[0]).toMatchObject({
        noticeId,
        approvedSha256: notice.approvedSha256,
        approvedRevision: notice.approvedRevision,
      });
      expect(item.notices[0].approvals).toEqual([
        {
          approver: 'alice-comms',
          approvedAt: expect.any(String),
          revision: notice.approvedRevision,
          contentSha256: notice.approvedSha256,
        },
      ]);
    }
  });

  it('should list each delivery with its recipient, status, message id and content hash when asked for the report', async () => {
    const onTime = (await report('?tenantId=on-time')).items[0];
    const emails = onTime.deliveries.filter((d) => d.channel === 'email');
    expect(emails.map((d) => d.recipient).sort()).toEqual([
      'a@on-time.example',
      'b@on-time.example',
    ]);
    for (const d of emails) {
      expect(d).toMatchObject({
        status: 'sent',
        messageId: expect.stringMatching(/^<.+@.+>$/),
        contentSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
    }
    const received = sink.messages.filter((m) => m.envelope.rcptTo.includes('a@on-time.example'));
    expect(received).toHaveLength(1);
    expect((await received[0].parse()).messageId).toBe(
      emails.find((d) => d.recipient === 'a@on-time.example')?.messageId,
    );
    const bounced = (await report('?tenantId=bounced')).items[0].deliveries.find(
      (d) => d.channel === 'email',
    );
    expect(bounced).toMatchObject({
      status: 'failed',
      sentAt: null,
      recipient: 'bounce-1@bounced.example',
    });
  });

  it('should expand every obligation with its notifier when reporting a tenant', async () => {
    const late = (await report('?tenantId=late')).items[0];
    const contract = late.obligations.find((o) => o.regulationId === 'contract');
    expect(contract).toMatchObject({ notifier: 'provider', dueAt: late.noticeDueAt });
    expect(late.obligations.length).toBeGreaterThan(1);
  });

  it('should agree with the per-tenant items when the summary is computed in SQL', async () => {
    const items = (await report()).items;
    const summary = (await report()).summary;
    expect(summary).toEqual({
      tenants: items.length,
      notifiedInTime: items.filter((i) => i.metDeadline === true).length,
      late: items.filter((i) => i.metDeadline === false).length,
      notifiedLate: items.filter((i) => i.metDeadline === false && i.firstSentAt !== null).length,
      missed: items.filter((i) => i.metDeadline === false && i.firstSentAt === null).length,
      notYetDue: items.filter((i) => i.metDeadline === null).length,
      undeliverable: items.filter((i) => i.undeliverable).length,
    });
  });

  it('should page through every tenant once with the summary on the first page when limit is small', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let page = 0;
    do {
      const body = await report(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(body.summary === null).toBe(page > 0);
      seen.push(...body.items.map((i) => i.tenantId));
      cursor = body.nextCursor;
      page += 1;
    } while (cursor);
    expect(seen).toEqual(['bounced', 'bounced-late', 'feed-only', 'late', 'on-time']);
    expect(page).toBe(3);
  });

  it('should stream one CSV row per tenant when asked for text/csv', async () => {
    const notice = (await t.http.get(`/v1/notices/${noticeId}`).set(bearer(comms))).body as {
      approvedSha256: string;
    };
    const res = await t.http
      .get(`/v1/incidents/${incidentId}/compliance`)
      .set(bearer(auditor))
      .set('Accept', 'text/csv')
      .buffer(true);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    const rows = csvRecords(res.text);
    expect(rows.map((r) => r.tenantId)).toEqual([
      'bounced',
      'bounced-late',
      'feed-only',
      'late',
      'on-time',
    ]);
    const late = rows.find((r) => r.tenantId === 'late') as Record<string, string>;
    expect(late).toMatchObject({
      incidentId,
      metDeadline: 'false',
      undeliverable: 'false',
      firstSentChannel: 'email',
      emailDeliveries: '1',
      emailsSent: '1',
    });
    expect(late.approvals).toContain(`by alice-comms`);
    expect(late.approvals).toContain(`sha256:${notice.approvedSha256}`);
    expect(late.obligations).toContain('contract (provider)');
    expect(rows.find((r) => r.tenantId === 'bounced-late')?.deadlineState).toBe('missed');
    expect(rows.find((r) => r.tenantId === 'bounced')).toMatchObject({
      metDeadline: '',
      undeliverable: 'true',
      emailsFailed: '1',
    });
  });

  it('should count per incident and in total when the portfolio window holds both incidents', async () => {
    const from = new Date(Date.parse(awareAt) - HOUR).toISOString();
    const to = new Date(Date.now() + HOUR).toISOString();
    const res = await t.http.get(`/v1/compliance?from=${from}&to=${to}`).set(bearer(auditor));
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: { id: string }) => i.id)).toEqual([
      incidentId,
      pendingIncidentId,
    ]);
    expect(res.body.items[0]).toMatchObject({
      affected: 5,
      notifiedInTime: 2,
      late: 2,
      notifiedLate: 1,
      missed: 1,
      undeliverable: 2,
      pending: 1,
    });
    expect(res.body.items[1]).toMatchObject({
      affected: 1,
      notifiedInTime: 0,
      late: 0,
      undeliverable: 0,
      pending: 1,
    });
    expect(res.body.totals).toEqual({
      incidents: 2,
      affected: 6,
      notifiedInTime: 2,
      late: 2,
      notifiedLate: 1,
      missed: 1,
      undeliverable: 2,
      pending: 2,
    });
  });

  it('should leave out incidents whose awareAt is outside the window when from is later', async () => {
    const from = new Date(Date.parse(awareAt) + 1000).toISOString();
    const res = await t.http.get(`/v1/compliance?from=${from}`).set(bearer(auditor));
    expect(res.body.items.map((i: { id: string }) => i.id)).toEqual([pendingIncidentId]);
    expect(res.body.totals).toMatchObject({ incidents: 1, affected: 1, pending: 1 });
    const empty = await t.http
      .get(`/v1/compliance?to=${new Date(Date.parse(awareAt) - 1000).toISOString()}`)
      .set(bearer(auditor));
    expect(empty.body).toMatchObject({
      items: [],
      nextCursor: null,
      totals: { incidents: 0, affected: 0 },
    });
  });

  it('should page the portfolio and stream it as CSV when asked', async () => {
    const first = await t.http.get('/v1/compliance?limit=1').set(bearer(auditor));
    expect(first.body.items).toHaveLength(1);
    const second = await t.http
      .get(`/v1/compliance?limit=1&cursor=${first.body.nextCursor}`)
      .set(bearer(auditor));
    expect(second.body.items.map((i: { id: string }) => i.id)).toEqual([pendingIncidentId]);
    expect(second.body.nextCursor).toBeNull();
    const csv = await t.http
      .get('/v1/compliance')
      .set(bearer(auditor))
      .set('Accept', 'text/csv')
      .buffer(true);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csvRecords(csv.text).map((r) => [r.id, r.affected, r.late])).toEqual([
      [incidentId, '5', '2'],
      [pendingIncidentId, '1', '0'],
    ]);
  });

  it('should reject the report when the caller is not an auditor or the window is backwards', async () => {
    expect(
      (await t.http.get(`/v1/incidents/${incidentId}/compliance`).set(bearer(comms))).status,
    ).toBe(403);
    expect((await t.http.get('/v1/compliance').set(bearer(reporter))).status).toBe(403);
    const backwards = await t.http
      .get(`/v1/compliance?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`)
      .set(bearer(auditor));
    expect(backwards.status).toBe(400);
    expect(backwards.body.errors[0].path).toBe('to');
    expect(
      (
        await t.http
          .get('/v1/incidents/00000000-0000-4000-8000-000000000000/compliance')
          .set(bearer(auditor))
      ).status,
    ).toBe(404);
    expect(
      (await t.http.get('/v1/incidents/not-a-uuid/compliance').set(bearer(auditor))).status,
    ).toBe(400);
  });
});
