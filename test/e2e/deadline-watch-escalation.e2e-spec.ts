import { AuditService, type AuditEventInput } from '../../src/audit/audit.service.js';
import { DeadlineWatchService } from '../../src/compliance/deadline-watch.service.js';
import type { EntityManager } from 'typeorm';
import { incidentBody } from '../factories/incident.factory.js';
import { tenantBody } from '../factories/tenant.factory.js';
import { HOUR_MS } from '../support/clock.js';
import { startSmtpSink, SmtpSink } from '../support/smtp-sink.js';
import { bearer, eventually, startTestApp, TestApp } from '../support/test-app.js';

const ONCALL = 'oncall@provider.example';

/**
 * The escalation mail is a side effect outside the database: a unit of work that Postgres runs
 * again (a deadlock victim) must not send it twice, and a failed send must be tried again later.
 */
describe('deadline watch escalation (outbox)', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let refuse = false;
  let auditor: string;

  const escalations = () => sink.messages.filter((m) => m.envelope.rcptTo.includes(ONCALL));
  const events = async (action: string) =>
    (await t.http.get(`/v1/audit/events?limit=1000&action=${action}`).set(bearer(auditor))).body
      .items as Array<{ actor: string; change: Record<string, unknown> }>;

  const postLateIncident = async (reporter: string, comms: string, tenantId: string) => {
    const res = await t.http
      .post('/v1/incidents')
      .set(bearer(reporter))
      .send(
        incidentBody({
          awareAt: new Date(Date.now() - 96 * HOUR_MS).toISOString(),
          occurredAt: undefined,
          scope: { tenantIds: [tenantId] },
        }),
      );
    expect(res.status).toBe(202);
    await eventually(
      async () =>
        (await t.http.get(`/v1/incidents/${res.body.id}/notices`).set(bearer(comms))).body
          .items?.[0]?.id as string | undefined,
    );
  };

  beforeAll(async () => {
    sink = await startSmtpSink({
      behaviour: () => (refuse ? { code: 451, message: 'try again later' } : 'accept'),
    });
    // The scheduled watch stays out of the way: each test runs it by hand.
    t = await startTestApp({
      SMTP_URL: sink.url,
      ESCALATION_EMAIL: ONCALL,
      DEADLINE_WATCH_INTERVAL_MS: '86400000',
    });
    auditor = await t.key(['auditor']);
    const tenants = ['late-a', 'late-b'].map((id) =>
      tenantBody({
        id,
        countries: ['BR'],
        dataRegions: ['sa-east'],
        contractualNoticeHours: 72,
        contacts: [{ name: 'A', email: `a@${id}.example`, role: 'primary' }],
      }),
    );
    expect(
      (await t.http.post('/v1/tenants/bulk').set(bearer(t.adminKey)).send({ tenants })).status,
    ).toBe(200);
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  it('should send the escalation mail once when Postgres runs the deciding transaction again', async () => {
    await postLateIncident(await t.key(['reporter']), await t.key(['comms']), 'late-a');
    const audit = t.app.get(AuditService);
    const append = audit.append.bind(audit);
    let aborted = 0;
    const spy = jest
      .spyOn(audit, 'append')
      .mockImplementation(async (manager: EntityManager, batch: AuditEventInput[]) => {
        if (aborted === 0 && batch.some((e) => e.action === 'deadline.escalated')) {
          aborted++;
          // What the driver reports when Postgres picks this transaction as a deadlock victim.
          throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
        }
        return append(manager, batch);
      });
    try {
      const result = await t.app.get(DeadlineWatchService).run();
      expect(aborted).toBe(1);
      expect(result.escalated).toMatchObject({ to: ONCALL, alerts: 1 });
    } finally {
      spy.mockRestore();
    }
    expect(escalations()).toHaveLength(1);
    expect(await events('deadline.escalated')).toHaveLength(1);
    const sent = await events('deadline.escalation-sent');
    expect(sent).toHaveLength(1);
    expect(sent[0].change.messageId).toBe((await escalations()[0].parse()).messageId);
  });

  it('should keep a mail the relay refused and send it on the next run, once', async () => {
    await postLateIncident(await t.key(['reporter']), await t.key(['comms']), 'late-b');
    const before = escalations().length;
    refuse = true;
    const first = await t.app.get(DeadlineWatchService).run();
    expect(first.escalated).toMatchObject({ alerts: 1 });
    expect(escalations()).toHaveLength(before);
    expect(await events('deadline.escalation-sent')).toHaveLength(1);
    refuse = false;
    const second = await t.app.get(DeadlineWatchService).run();
    expect(second.escalated).toBeNull();
    expect(escalations()).toHaveLength(before + 1);
    expect(await events('deadline.escalation-sent')).toHaveLength(2);
    await t.app.get(DeadlineWatchService).run();
    expect(escalations()).toHaveLength(before + 1);
  });
});
