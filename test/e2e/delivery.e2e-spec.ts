import { simpleParser } from 'mailparser';
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
import { startSmtpSink, SmtpSink } from '../support/smtp-sink.js';
import { bearer, eventually, startTestApp, TestApp } from '../support/test-app.js';

// 08:00 UTC yesterday, whatever today's date: 72 hours on it is always ahead, at 17:00 in Tokyo.
function yesterdayAt0800Utc(): string {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() - 1);
  d.setUTCHours(8, 0, 0, 0);
  return d.toISOString();
}

describe('delivery over SMTP', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let keys: FlowKeys;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({
      SMTP_URL: sink.url,
      DELIVERY_RETRY_BASE_MS: '40',
      DELIVERY_MAX_ATTEMPTS: '6',
      SMTP_TIMEOUT_MS: '2000',
    });
    keys = await flowKeys(t);
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });
  beforeEach(() => {
    sink.reset();
    sink.setBehaviour(undefined);
  });

  it('should send one email per distinct notice contact and one dashboard post per tenant when approved', async () => {
    await seedTenants(t, [
      tenantBody({
        id: 'acme',
        services: ['s1'],
        contacts: [
          { name: 'Primary', email: 'ops@acme.example', role: 'primary' },
          { name: 'Same person', email: 'OPS@acme.example', role: 'security' },
          { name: 'Privacy', email: 'dpo@acme.example', role: 'privacy' },
          { name: 'Billing', email: 'billing@acme.example', role: 'billing' },
        ],
      }),
    ]);
    const { incidentId, noticeId } = await postIncident(t, keys, { scope: { services: ['s1'] } });
    await approve(t, keys, noticeId);
    await waitForStatus(t, keys, incidentId, 'delivered');

    const rcpts = sink.messages.flatMap((m) => m.envelope.rcptTo).sort();
    expect(rcpts).toEqual(['dpo@acme.example', 'ops@acme.example']);
    const mail = await sink.messages
      .find((m) => m.envelope.rcptTo.includes('ops@acme.example'))!
      .parse();
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(String(mail.headers.get('x-herald-notice'))).toBe(noticeId);
    expect(mail.subject).toContain('Unauthorized access to mail storage');
    expect(mail.text).toContain('An attacker used a stolen support credential');
    expect(mail.html).toContain('<html');

    const records = await deliveries(t, keys, incidentId);
    expect(records).toHaveLength(3);
    for (const r of records) {
      expect(r.status).toBe('sent');
      expect(r.contentSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(r.metDeadline).toBe(typeof r.sentAt === 'string');
    }
    const email = records.find((r) => r.recipient === 'ops@acme.example');
    expect(email?.messageId).toBe(mail.messageId);
    const notice = await t.http.get(`/v1/notices/${noticeId}`).set(bearer(keys.auditor));
    expect(notice.body.status).toBe('sent');
  });

  it('should retry a mailbox answering 451 twice and then accept it', async () => {
    await seedTenants(t, [
      tenantBody({
        id: 'greylist',
        services: ['s2'],
        contacts: [{ name: 'G', email: 'grey@list.example', role: 'primary' }],
      }),
    ]);
    sink.setBehaviour((rcpt, attempt) =>
      rcpt === 'grey@list.example' && attempt <= 2
        ? { code: 451, message: '4.7.1 Greylisted, try again later' }
        : 'accept',
    );
    const { incidentId, noticeId } = await postIncident(t, keys, { scope: { services: ['s2'] } });
    await approve(t, keys, noticeId);
    await waitForStatus(t, keys, incidentId, 'delivered');
    expect(sink.attempts('grey@list.example')).toBe(3);
    expect(
      sink.messages.filter((m) => m.envelope.rcptTo.includes('grey@list.example')),
    ).toHaveLength(1);
    const [email] = (await deliveries(t, keys, incidentId)).filter((d) => d.channel === 'email');
    expect(email).toMatchObject({ status: 'sent', attempts: 3 });
  });

  it('should end a delivery failed without retry on a permanent 550 and flag the tenant undeliverable', async () => {
    await seedTenants(t, [
      tenantBody({
        id: 'bounce',
        services: ['s3'],
        contacts: [{ name: 'B', email: 'nobody@bounce.example', role: 'primary' }],
      }),
    ]);
    sink.setBehaviour((rcpt) =>
      rcpt === 'nobody@bounce.example' ? { code: 550, message: '5.1.1 No such user' } : 'accept',
    );
    const { incidentId, noticeId } = await postIncident(t, keys, { scope: { services: ['s3'] } });
    await approve(t, keys, noticeId);
    await waitForStatus(t, keys, incidentId, 'delivered');
    expect(sink.attempts('nobody@bounce.example')).toBe(1);
    const [email] = (await deliveries(t, keys, incidentId)).filter((d) => d.channel === 'email');
    expect(email).toMatchObject({ status: 'failed', attempts: 1, sentAt: null });
    expect(email.lastError).toContain('550');
    const incident = await t.http.get(`/v1/incidents/${incidentId}`).set(bearer(keys.auditor));
    expect(incident.body.deliveries).toMatchObject({ sent: 1, failed: 1, queued: 0 });
  });

  it('should send one message per tenant and locale with one RCPT TO each, recording a refused recipient on its own when the relay accepts the rest', async () => {
    await seedTenants(t, [
      tenantBody({
        id: 'mixed',
        services: ['s6'],
        contacts: [
          { name: 'Ok', email: 'ok@mixed.example', role: 'primary' },
          { name: 'Grey', email: 'grey@mixed.example', role: 'security' },
          { name: 'Gone', email: 'gone@mixed.example', role: 'privacy' },
          { name: 'French', email: 'fr@mixed.example', role: 'privacy', locale: 'fr-FR' },
        ],
      }),
    ]);
    sink.setBehaviour((rcpt, attempt) =>
      rcpt === 'gone@mixed.example'
        ? { code: 550, message: '5.1.1 No such user' }
        : rcpt === 'grey@mixed.example' && attempt === 1
          ? { code: 451, message: '4.7.1 Greylisted' }
          : 'accept',
    );
    const { incidentId, noticeId } = await postIncident(t, keys, { scope: { services: ['s6'] } });
    await approve(t, keys, noticeId);
    await waitForStatus(t, keys, incidentId, 'delivered');

    // First attempt: one message for the three default-locale contacts (one refused for good,
    // one greylisted), one for the French reader; then the greylisted one alone.
    const envelopes = sink.messages.map((m) => [...m.envelope.rcptTo].sort());
    expect(envelopes).toHaveLength(3);
    expect(envelopes).toContainEqual(['ok@mixed.example']);
    expect(envelopes).toContainEqual(['fr@mixed.example']);
    expect(envelopes).toContainEqual(['grey@mixed.example']);
    expect(sink.attempts('gone@mixed.example')).toBe(1);
    expect(sink.attempts('grey@mixed.example')).toBe(2);
    const first = await sink.messages
      .find((m) => m.envelope.rcptTo.includes('ok@mixed.example'))!
      .parse();
    expect(String(first.headers.get('x-herald-delivery')).split(', ')).toHaveLength(3);

    const emails = (await deliveries(t, keys, incidentId)).filter((d) => d.channel === 'email');
    const by = (r: string) => emails.find((d) => d.recipient === r)!;
    expect(by('ok@mixed.example')).toMatchObject({
      status: 'sent',
      attempts: 1,
      messageId: first.messageId,
    });
    expect(by('grey@mixed.example')).toMatchObject({ status: 'sent', attempts: 2 });
    expect(by('gone@mixed.example')).toMatchObject({ status: 'failed', attempts: 1 });
    expect(by('gone@mixed.example').lastError).toContain('550');
    expect(by('fr@mixed.example')).toMatchObject({ status: 'sent', attempts: 1 });
    expect(by('fr@mixed.example').messageId).not.toBe(first.messageId);
  });

  it('should deliver everything once the relay comes back up', async () => {
    await seedTenants(t, [
      tenantBody({
        id: 'down-1',
        services: ['s4'],
        contacts: [{ name: 'D1', email: 'd1@down.example', role: 'primary' }],
      }),
      tenantBody({
        id: 'down-2',
        services: ['s4'],
        contacts: [{ name: 'D2', email: 'd2@down.example', role: 'security' }],
      }),
    ]);
    const { incidentId, noticeId } = await postIncident(t, keys, { scope: { services: ['s4'] } });
    await sink.stop();
    await approve(t, keys, noticeId);
    await eventually(async () => {
      const emails = (await deliveries(t, keys, incidentId)).filter((d) => d.channel === 'email');
      return emails.length === 2 && emails.every((d) => d.attempts >= 2 && d.status === 'queued')
        ? true
        : undefined;
    });
    await sink.start();
    await waitForStatus(t, keys, incidentId, 'delivered');
    expect(sink.messages.flatMap((m) => m.envelope.rcptTo).sort()).toEqual([
      'd1@down.example',
      'd2@down.example',
    ]);
  });

  it('should render the email in the tenant locale with its deadlines in its time zone', async () => {
    await seedTenants(t, [
      tenantBody({
        id: 'tokyo',
        services: ['s5'],
        locale: 'ja-JP',
        timeZone: 'Asia/Tokyo',
        countries: ['JP'],
        contacts: [{ name: 'T', email: 't@tokyo.example', role: 'primary' }],
      }),
    ]);
    const { incidentId, noticeId } = await postIncident(t, keys, {
      scope: { services: ['s5'] },
      awareAt: yesterdayAt0800Utc(),
      occurredAt: undefined,
    });
    const preview = await t.http
      .get(`/v1/notices/${noticeId}/preview?tenantId=tokyo&channel=email`)
      .set(bearer(keys.comms));
    expect(preview.status).toBe(200);
    await approve(t, keys, noticeId);
    await waitForStatus(t, keys, incidentId, 'delivered');
    const parsed = await simpleParser(sink.messages[0].raw);
    // The preview is exactly what was sent.
    expect(parsed.subject).toBe(preview.body.subject);
    expect(parsed.text?.trim()).toBe(String(preview.body.text).trim());
    expect(preview.body.locale).toBe('ja');
    // awareAt + 72 h = 08:00 UTC = 17:00 in Tokyo.
    expect(preview.body.text).toContain('17:00');
    const [email] = (await deliveries(t, keys, incidentId)).filter((d) => d.channel === 'email');
    expect(email).toMatchObject({ status: 'sent', metDeadline: true });
  });
});
