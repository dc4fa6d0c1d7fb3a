import { tenantBody } from '../factories/tenant.factory.js';
import {
  approve,
  deliveries,
  flowKeys,
  FlowKeys,
  postIncident,
  seedTenants,
  waitForStatus,
} from '../support/flow.js';
import { fromNow } from '../support/clock.js';
import { startSmtpSink, SmtpSink } from '../support/smtp-sink.js';
import { bearer, startTestApp, TestApp } from '../support/test-app.js';

const TENANTS = 2000;
const URGENT = 40;
const MINUTE_MS = 60_000;

/** `count` tenants of `service`, each with one contact; the `urgent` whose ids sort last have a 1-hour contract. */
function tenantsOf(service: string, count: number, urgent: number) {
  return Array.from({ length: count }, (_, i) =>
    tenantBody({
      id: `${service}-${String(i).padStart(4, '0')}`,
      services: [service],
      contractualNoticeHours: i >= count - urgent ? 1 : null,
      contacts: [{ name: 'Admin', email: `admin${i}@${service}.example`, role: 'primary' }],
    }),
  );
}

describe('delivery in order of notice deadline', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let keys: FlowKeys;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({ SMTP_URL: sink.url, FANOUT_PAGE_SIZE: '500' });
    keys = await flowKeys(t);
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });
  beforeEach(() => sink.reset());

  const rcpts = () => sink.messages.flatMap((m) => m.envelope.rcptTo);

  it('should send the tenants with a 1-hour contract first when their ids sort last', async () => {
    const tenants = tenantsOf('edf', TENANTS, URGENT);
    const urgent = tenants.slice(-URGENT).map((x) => x.contacts![0].email);
    await seedTenants(t, tenants);
    const { incidentId, noticeId } = await postIncident(
      t,
      keys,
      { scope: { services: ['edf'] }, awareAt: fromNow(-5 * MINUTE_MS) },
      60_000,
    );

    // Before approval, the 40 are unsent with a deadline within the hour: the API and /metrics say so.
    const backlog = await t.http
      .get(`/v1/deliveries/backlog?incidentId=${incidentId}`)
      .set(bearer(keys.auditor));
    expect(backlog.status).toBe(200);
    expect(backlog.body).toEqual({ items: [{ incidentId, unsentTenantsDueWithinHour: URGENT }] });
    const metrics = await t.http.get('/metrics');
    expect(metrics.text).toContain(
      `herald_incident_unsent_tenants_due_within_hour{incident_id="${incidentId}"} ${URGENT}`,
    );

    await approve(t, keys, noticeId);
    await waitForStatus(t, keys, incidentId, 'delivered', 120_000);

    const received = rcpts();
    expect([...received].sort()).toEqual(tenants.map((x) => x.contacts![0].email).sort());
    const first = new Set(received.slice(0, TENANTS / 10));
    console.log(
      `the ${URGENT} 1-hour tenants arrived at positions ${urgent.map((r) => received.indexOf(r) + 1).join(', ')} of ${received.length}`,
    );
    expect(urgent.filter((r) => !first.has(r))).toEqual([]);
    const records = await deliveries(t, keys, incidentId);
    const urgentRecords = records.filter((d) => urgent.includes(d.recipient));
    expect(urgentRecords).toHaveLength(URGENT);
    expect(urgentRecords.every((d) => d.status === 'sent' && d.metDeadline === true)).toBe(true);

    const after = await t.http
      .get(`/v1/deliveries/backlog?incidentId=${incidentId}`)
      .set(bearer(keys.auditor));
    expect(after.body).toEqual({ items: [] });
  }, 180_000);

  it("should let a second incident's tighter deadlines overtake the first incident's looser ones", async () => {
    // A slow relay keeps the first incident's 2,000 emails going while the second one is approved.
    sink.setDataDelay(15);
    try {
      const loose = tenantsOf('loose', TENANTS, 0);
      const tight = tenantsOf('tight', URGENT, URGENT);
      await seedTenants(t, [...loose, ...tight]);
      const first = await postIncident(
        t,
        keys,
        { scope: { services: ['loose'] }, awareAt: fromNow(-5 * MINUTE_MS) },
        60_000,
      );
      await approve(t, keys, first.noticeId);
      await sink.waitFor(50, 60_000);
      const second = await postIncident(
        t,
        keys,
        { scope: { services: ['tight'] }, awareAt: fromNow(-5 * MINUTE_MS) },
        60_000,
      );
      await approve(t, keys, second.noticeId);
      await waitForStatus(t, keys, second.incidentId, 'delivered', 120_000);
      const atSecondDone = rcpts().filter((r) => r.endsWith('@loose.example')).length;
      await waitForStatus(t, keys, first.incidentId, 'delivered', 180_000);
      console.log(
        `the second incident was delivered when ${atSecondDone} of the first incident's ${TENANTS} emails had gone out`,
      );
      // Its 40 went out ahead of most of the first incident's remaining emails.
      expect(atSecondDone).toBeLessThan(TENANTS / 2);
      const records = await deliveries(t, keys, second.incidentId);
      expect(records.every((d) => d.status === 'sent' && d.metDeadline === true)).toBe(true);
    } finally {
      sink.setDataDelay(0);
    }
  }, 300_000);
});
