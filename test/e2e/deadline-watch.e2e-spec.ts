import { DeadlineWatchService } from '../../src/compliance/deadline-watch.service.js';
import { incidentBody } from '../factories/incident.factory.js';
import { tenantBody } from '../factories/tenant.factory.js';
import { startSmtpSink, SmtpSink } from '../support/smtp-sink.js';
import { bearer, eventually, startTestApp, TestApp } from '../support/test-app.js';

const HOUR = 3_600_000;
const ONCALL = 'oncall@provider.example';

interface AuditEventView {
  actor: string;
  action: string;
  entityId: string | null;
  incidentId: string | null;
  change: Record<string, unknown>;
}

describe('deadline watch', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let reporter: string;
  let comms: string;
  let auditor: string;
  let lateIncident: { id: string; externalId: string; noticeId: string };
  let soonIncident: { id: string; externalId: string };

  const events = async (query: string) =>
    (await t.http.get(`/v1/audit/events?limit=1000&${query}`).set(bearer(auditor))).body
      .items as AuditEventView[];
  const gauge = async (name: string) => {
    const text = (await t.http.get('/metrics')).text;
    const match = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
    return match ? Number(match[1]) : undefined;
  };
  const escalations = () => sink.messages.filter((m) => m.envelope.rcptTo.includes(ONCALL));

  const post = async (externalId: string, awareAt: Date, tenantIds: string[]) => {
    const res = await t.http
      .post('/v1/incidents')
      .set(bearer(reporter))
      .send(
        incidentBody({
          externalId,
          awareAt: awareAt.toISOString(),
          occurredAt: undefined,
          scope: { tenantIds },
        }),
      );
    expect(res.status).toBe(202);
    const id = res.body.id as string;
    // Resolved and drafted: the initial notice exists once resolution is done.
    const noticeId = await eventually(
      async () =>
        (await t.http.get(`/v1/incidents/${id}/notices`).set(bearer(comms))).body.items?.[0]?.id as
          string | undefined,
    );
    return { id, noticeId };
  };

  beforeAll(async () => {
    sink = await startSmtpSink({
      behaviour: (rcpt) =>
        rcpt.startsWith('bounce') ? { code: 550, message: 'no such user' } : 'accept',
    });
    t = await startTestApp({
      SMTP_URL: sink.url,
      ESCALATION_EMAIL: ONCALL,
      DEADLINE_WATCH_INTERVAL_MS: '250',
    });
    reporter = await t.key(['reporter'], undefined, 'incident-system');
    comms = await t.key(['comms'], undefined, 'alice-comms');
    auditor = await t.key(['auditor'], undefined, 'auditor-ann');
    // Brazil: the 72-hour contract is each tenant's only provider deadline.
    const br = { countries: ['BR'], dataRegions: ['sa-east'], contractualNoticeHours: 72 };
    const tenants = [
      tenantBody({
        id: 'overdue',
        ...br,
        contacts: [{ name: 'O', email: 'o@overdue.example', role: 'primary' }],
      }),
      tenantBody({
        id: 'unreachable',
        ...br,
        contacts: [{ name: 'U', email: 'bounce@unreachable.example', role: 'primary' }],
      }),
      tenantBody({
        id: 'soon',
        ...br,
        contacts: [{ name: 'S', email: 's@soon.example', role: 'primary' }],
      }),
    ];
    expect(
      (await t.http.post('/v1/tenants/bulk').set(bearer(t.adminKey)).send({ tenants })).status,
    ).toBe(200);
    // Aware four days ago: the 72-hour deadline passed a day ago, and nobody has approved a notice.
    const late = await post('LATE-1', new Date(Date.now() - 96 * HOUR), ['overdue', 'unreachable']);
    lateIncident = { ...late, externalId: 'LATE-1' };
    // Aware 60 hours ago: 12 of the 72 hours are left, less than a quarter.
    const soon = await post('SOON-1', new Date(Date.now() - 60 * HOUR), ['soon']);
    soonIncident = { id: soon.id, externalId: 'SOON-1' };
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  it('should record deadline.missed, set the gauge and mail the escalation address when a late notice was not sent', async () => {
    const missed = await eventually(async () => {
      const found = await events(`action=deadline.missed&incidentId=${lateIncident.id}`);
      return found.length === 2 ? found : undefined;
    });
    expect(missed.map((e) => e.entityId).sort()).toEqual(['overdue', 'unreachable']);
    expect(missed[0]).toMatchObject({
      actor: 'system',
      change: { state: 'missed', notified: false, noticeDueAt: expect.any(String) },
    });
    expect(Date.parse(missed[0].change.noticeDueAt as string)).toBeLessThan(Date.now());

    expect(
      await eventually(async () =>
        (await gauge('herald_tenants_notice_overdue')) === 2 ? 2 : undefined,
      ),
    ).toBe(2);

    const mail = await eventually(async () => {
      for (const m of escalations()) {
        const parsed = await m.parse();
        if (parsed.text?.includes('LATE-1')) return parsed;
      }
      return undefined;
    });
    expect(mail.subject).toMatch(/missed/);
    expect(mail.text).toContain(`LATE-1 "Unauthorized access to mail storage": 2 missed, 0 near`);
    expect(mail.text).toContain(`/v1/incidents/${lateIncident.id}/compliance`);
    expect(await events('action=deadline.escalated')).not.toHaveLength(0);
  });

  it('should record deadline.near and set the near gauge when less than a quarter of the window is left', async () => {
    const near = await eventually(async () => {
      const found = await events(`action=deadline.near&entityId=soon`);
      return found.length === 1 ? found : undefined;
    });
    expect(near[0]).toMatchObject({ incidentId: soonIncident.id, change: { state: 'near' } });
    expect(
      await eventually(async () =>
        (await gauge('herald_tenants_notice_due_soon')) === 1 ? 1 : undefined,
      ),
    ).toBe(1);
    expect(await events(`action=deadline.missed&entityId=soon`)).toHaveLength(0);
  });

  it('should neither record nor mail again when later runs find the same tenants', async () => {
    // Settled: all three alerts (two missed, one near) escalated, and every escalation mail received.
    const mailsBefore = await eventually(async () => {
      const escalated = await events('action=deadline.escalated');
      const alerts = escalated.reduce((n, e) => n + (e.change.alerts as number), 0);
      return alerts === 3 && escalations().length === escalated.length
        ? escalated.length
        : undefined;
    });
    await new Promise((r) => setTimeout(r, 2000)); // several more runs at 250 ms
    expect(await events('action=deadline.missed')).toHaveLength(2);
    expect(await events('action=deadline.near')).toHaveLength(1);
    expect(escalations()).toHaveLength(mailsBefore);
    const escalated = await events('action=deadline.escalated');
    expect(escalated).toHaveLength(mailsBefore);
    expect(escalated.reduce((n, e) => n + (e.change.alerts as number), 0)).toBe(3);
  });

  it('should record missed for a tenant already near when its deadline passes', async () => {
    const [near] = await events('action=deadline.near&entityId=soon');
    const after = new Date(Date.parse(near.change.noticeDueAt as string) + 60_000);
    const result = await t.app.get(DeadlineWatchService).run(after);
    expect(result).toMatchObject({ newMissed: 1, newNear: 0 });
    // The scheduled watch runs beside this one every 250 ms: either may write the new alert's
    // audit event and escalate it, once.
    await eventually(async () => {
      const escalated = await events('action=deadline.escalated');
      return escalated.reduce((n, e) => n + (e.change.alerts as number), 0) === 4
        ? true
        : undefined;
    });
    expect(await events('action=deadline.missed&entityId=soon')).toHaveLength(1);
    expect(await events('action=deadline.near&entityId=soon')).toHaveLength(1);
  });

  it('should stop counting a tenant once it is told and count the one whose mail bounced as undeliverable', async () => {
    expect(
      (await t.http.post(`/v1/notices/${lateIncident.noticeId}/approve`).set(bearer(comms))).status,
    ).toBe(200);
    await eventually(async () =>
      (await t.http.get(`/v1/incidents/${lateIncident.id}`).set(bearer(auditor))).body.status ===
      'delivered'
        ? true
        : undefined,
    );
    expect(
      await eventually(async () =>
        (await gauge('herald_tenants_notice_overdue')) === 1 ? 1 : undefined,
      ),
    ).toBe(1);
    expect(
      await eventually(async () =>
        (await gauge('herald_undeliverable_tenants')) === 1 ? 1 : undefined,
      ),
    ).toBe(1);
    const report = (
      await t.http.get(`/v1/incidents/${lateIncident.id}/compliance`).set(bearer(auditor))
    ).body;
    expect(report.summary).toMatchObject({
      tenants: 2,
      notifiedLate: 1,
      missed: 1,
      undeliverable: 1,
    });
    // Told late is still late, but it is no new alert: the two missed events stay the only ones.
    expect(await events(`action=deadline.missed&incidentId=${lateIncident.id}`)).toHaveLength(2);
  });
});
