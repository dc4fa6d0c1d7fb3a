import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dkimVerify } from 'mailauth';
import { createTransport } from 'nodemailer';
import { DeadlineWatchService } from '../../src/compliance/deadline-watch.service.js';
import { BounceListener } from '../../src/delivery/bounces/bounce-listener.service.js';
import { BounceService } from '../../src/delivery/bounces/bounce.service.js';
import { tenantBody } from '../factories/tenant.factory.js';
import { ManualClock } from '../support/clock.js';
import {
  approve,
  flowKeys,
  postIncident,
  seedTenants,
  waitForStatus,
  type FlowKeys,
} from '../support/flow.js';
import { DbProbe } from '../support/security.js';
import { startSmtpSink, type SinkMessage, type SmtpSink } from '../support/smtp-sink.js';
import { bearer, eventually, startTestApp, type TestApp } from '../support/test-app.js';

const BOUNCE_DOMAIN = 'bounces.herald.test';
const ONCALL = 'oncall@provider.example';
const SELECTOR = 'herald2026';

interface DeliveryItem {
  id: string;
  tenantId: string;
  channel: string;
  recipient: string;
  status: string;
  sentAt: string | null;
  bouncedAt: string | null;
  error: string | null;
  metDeadline: boolean | null;
}

/** A Postfix-style RFC 3464 report for one failed recipient of the message `messageId`. */
function dsn(to: string, finalRecipient: string, messageId: string): string {
  return [
    'From: MAILER-DAEMON@mx1.tenant.test (Mail Delivery System)',
    `To: ${to}`,
    'Subject: Undelivered Mail Returned to Sender',
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b-1"',
    '',
    '--b-1',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'Your message could not be delivered.',
    '',
    '--b-1',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx1.tenant.test',
    '',
    `Final-Recipient: rfc822; ${finalRecipient}`,
    'Action: failed',
    'Status: 5.1.1',
    `Diagnostic-Code: smtp; 550 5.1.1 <${finalRecipient}>: Recipient address rejected:`,
    '    User unknown in virtual mailbox table',
    '',
    '--b-1',
    'Content-Type: text/rfc822-headers',
    '',
    `Message-ID: ${messageId}`,
    '',
    '--b-1--',
    '',
  ].join('\r\n');
}

describe('bounces (VERP, inbound listener, DKIM)', () => {
  let t: TestApp;
  let relay: SmtpSink;
  let keys: FlowKeys;
  let probe: DbProbe;
  let publicKeyDer: Buffer;
  const clock = new ManualClock();
  let incidentId: string;
  let noticeId: string;

  /** Delivers a raw message to the bounce listener with a real SMTP client, null sender. */
  const bounce = async (rcpt: string, raw: string) => {
    const client = createTransport({
      host: '127.0.0.1',
      port: t.app.get(BounceListener).port!,
      secure: false,
      ignoreTLS: true,
      logger: false,
    });
    try {
      return await client.sendMail({ envelope: { from: '', to: [rcpt] }, raw });
    } finally {
      client.close();
    }
  };
  const refusal = (rcpt: string, raw: string) =>
    bounce(rcpt, raw).then(
      () => null,
      (err: { responseCode?: number; response?: string; command?: string }) => err,
    );

  const deliveries = async (): Promise<DeliveryItem[]> => {
    const res = await t.http
      .get('/v1/deliveries')
      .query({ incidentId, limit: 1000 })
      .set(bearer(keys.auditor));
    expect(res.status).toBe(200);
    return res.body.items;
  };
  const email = (all: DeliveryItem[], recipient: string) =>
    all.find((d) => d.channel === 'email' && d.recipient === recipient)!;
  const compliance = async (tenantId: string) => {
    const res = await t.http
      .get(`/v1/incidents/${incidentId}/compliance`)
      .query({ tenantId })
      .set(bearer(keys.auditor));
    expect(res.status).toBe(200);
    return res.body.items[0];
  };
  const auditOf = async (action: string) => {
    const res = await t.http
      .get('/v1/audit/events')
      .query({ action, limit: 1000 })
      .set(bearer(keys.auditor));
    return res.body.items as Array<{
      actor: string;
      entityId: string;
      change: Record<string, unknown>;
    }>;
  };
  const sentTo = (recipient: string): SinkMessage =>
    relay.messages.find((m) => m.envelope.rcptTo.includes(recipient))!;

  beforeAll(async () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const dir = mkdtempSync(join(tmpdir(), 'herald-dkim-'));
    const keyFile = join(dir, 'dkim.pem');
    writeFileSync(keyFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    publicKeyDer = pair.publicKey.export({ type: 'spki', format: 'der' });

    // The relay refuses one mailbox outright: that delivery fails (never sent).
    relay = await startSmtpSink({
      behaviour: (rcpt) =>
        rcpt === 'rejected@bnc-fail.example'
          ? { code: 550, message: '5.1.1 no such user' }
          : 'accept',
    });
    t = await startTestApp(
      {
        SMTP_URL: relay.url,
        MAIL_FROM: 'Herald <security-notices@herald.test>',
        BOUNCE_DOMAIN,
        BOUNCE_SMTP_PORT: '0',
        BOUNCE_SIGNING_KEY: randomBytes(32).toString('hex'),
        DKIM_DOMAIN: 'herald.test',
        DKIM_SELECTOR: SELECTOR,
        DKIM_PRIVATE_KEY: keyFile,
        ESCALATION_EMAIL: ONCALL,
        // The scheduled watch stays out of the way: the test runs it by hand.
        DEADLINE_WATCH_INTERVAL_MS: '86400000',
        PUBLIC_URL: 'https://herald.example.test',
      },
      { clock },
    );
    keys = await flowKeys(t);
    probe = await DbProbe.connect(t.databaseUrl);
    await seedTenants(t, [
      tenantBody({
        id: 'bnc-two',
        contacts: [
          { name: 'Ops', email: 'ops@bnc-two.example', role: 'primary' },
          { name: 'Sec', email: 'sec@bnc-two.example', role: 'security' },
        ],
      }),
      tenantBody({
        id: 'bnc-dead',
        contacts: [{ name: 'Gone', email: 'gone@bnc-dead.example', role: 'primary' }],
      }),
      tenantBody({
        id: 'bnc-fail',
        contacts: [{ name: 'Rejected', email: 'rejected@bnc-fail.example', role: 'primary' }],
      }),
    ]);
    ({ incidentId, noticeId } = await postIncident(t, keys, {
      scope: { tenantIds: ['bnc-two', 'bnc-dead', 'bnc-fail'] },
    }));
    await approve(t, keys, noticeId);
    await eventually(async () => {
      const all = await deliveries();
      const failed = all.filter((d) => d.status === 'failed').map((d) => d.recipient);
      return all.length === 7 &&
        failed.length === 1 &&
        failed[0] === 'rejected@bnc-fail.example' &&
        all.every((d) => d.status === 'sent' || d.status === 'failed')
        ? all
        : undefined;
    });
    // Two messages: bnc-two's contacts share a locale, so one message carries both RCPT TOs.
    await relay.waitFor(2);
    // Completion (notice sent, incident delivered) is recorded after the last delivery.
    await waitForStatus(t, keys, incidentId, 'delivered');
  }, 60_000);

  afterAll(async () => {
    await probe?.close();
    await t?.close();
    await relay?.stop();
  });

  /** herald_deliveries_total{channel="email",outcome="bounced"} as /metrics shows it (0 before the first). */
  async function bouncedMetric(): Promise<number> {
    const res = await t.http.get('/metrics');
    const line = res.text.match(
      /^herald_deliveries_total\{channel="email",outcome="bounced"\} (\d+)$/m,
    );
    return line ? Number(line[1]) : 0;
  }

  it('should send each notice email with a signed VERP return path naming its message when sent', () => {
    const paths = ['ops@bnc-two.example', 'sec@bnc-two.example', 'gone@bnc-dead.example'].map(
      (r) => sentTo(r).envelope.mailFrom,
    );
    for (const path of paths) {
      expect(path).toMatch(/^bounce\+[a-z2-7]{56}@bounces\.herald\.test$/);
      expect(path.split('@')[0].length).toBeLessThanOrEqual(64);
    }
    // One token per message (notice, tenant): the two contacts of bnc-two share it (and here
    // the very message: one per tenant and locale, one RCPT TO per contact).
    expect(paths[0]).toBe(paths[1]);
    expect(sentTo('ops@bnc-two.example')).toBe(sentTo('sec@bnc-two.example'));
    expect(paths[2]).not.toBe(paths[0]);
  });

  it('should carry a DKIM signature that verifies against the configured public key when captured by the relay', async () => {
    const resolver = async (name: string, type: string) => {
      if (name === `${SELECTOR}._domainkey.herald.test` && type === 'TXT')
        return [[`v=DKIM1; k=rsa; p=${publicKeyDer.toString('base64')}`]];
      throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
    };
    const raw = sentTo('ops@bnc-two.example').raw;
    const result = await dkimVerify(raw, { resolver });
    expect(result.results).toHaveLength(1);
    expect(result.results[0].signingDomain).toBe('herald.test');
    expect(result.results[0].selector).toBe(SELECTOR);
    expect(result.results[0].status.result).toBe('pass');
    // The same check fails when a byte of the body changes: the test can tell.
    const text = raw.toString('latin1');
    const cut = text.indexOf('\r\n\r\n') + 4;
    const tampered = Buffer.from(`${text.slice(0, cut)}X${text.slice(cut + 1)}`, 'latin1');
    expect((await dkimVerify(tampered, { resolver })).results[0].status.result).not.toBe('pass');
  });

  it('should carry the headers of a mandatory notice and none of a mailing list when sent', async () => {
    const parsed = await sentTo('ops@bnc-two.example').parse();
    expect(parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(parsed.headers.get('x-auto-response-suppress')).toBe('All');
    for (const name of ['list-unsubscribe', 'list-id', 'precedence', 'return-path'])
      expect(parsed.headers.has(name)).toBe(false);
    const link = `https://herald.example.test/portal/verify?reference=${noticeId}`;
    expect(parsed.text).toContain(link);
    expect(parsed.html).toContain('https://herald.example.test/portal/verify?reference');
  });

  it('should refuse forged or unreadable bounces and change nothing when the token, delivery or body is wrong', async () => {
    const path = sentTo('ops@bnc-two.example').envelope.mailFrom;
    const token = path.slice('bounce+'.length, path.indexOf('@'));
    const messageId = sentTo('ops@bnc-two.example')
      .raw.toString()
      .match(/Message-ID: (<[^>]+>)/i)![1];
    const before = { snapshot: await probe.snapshot(), deliveries: await deliveries() };

    const flipped = token.slice(0, 20) + (token[20] === 'a' ? 'b' : 'a') + token.slice(21);
    const cases: Array<[string, string, string]> = [
      ['a bad token', `bounce+${'a'.repeat(56)}@${BOUNCE_DOMAIN}`, 'RCPT TO'],
      ['a tampered token', `bounce+${flipped}@${BOUNCE_DOMAIN}`, 'RCPT TO'],
      ['another domain', `bounce+${token}@elsewhere.test`, 'RCPT TO'],
      ['not a bounce address', `postmaster@${BOUNCE_DOMAIN}`, 'RCPT TO'],
    ];
    for (const [what, rcpt, command] of cases) {
      const err = await refusal(rcpt, dsn(rcpt, 'ops@bnc-two.example', messageId));
      expect({ what, code: err?.responseCode, command: err?.command }).toEqual({
        what,
        code: 550,
        command,
      });
    }
    const failedPath = t.app.get(BounceService).returnPath(noticeId, 'bnc-fail');
    const bodies: Array<[string, string]> = [
      ['no such delivery', dsn(path, 'stranger@bnc-two.example', messageId)],
      // The contact of the other tenant: a real delivery, but not of this message.
      ['another message', dsn(path, 'gone@bnc-dead.example', messageId)],
      ['an unparsable body', 'Subject: hello\r\n\r\nAction: failed\r\nStatus: 5.1.1\r\n'],
      // A real delivery of this message, but it failed (never sent): nothing to bounce.
      ['a delivery not sent', dsn(failedPath, 'rejected@bnc-fail.example', messageId)],
      [
        'a report without recipients',
        dsn(path, '', messageId).replace(/Final-Recipient.*\r\n/, ''),
      ],
    ];
    for (const [what, raw] of bodies) {
      const err = await refusal(what === 'a delivery not sent' ? failedPath : path, raw);
      expect({ what, code: err?.responseCode, command: err?.command }).toEqual({
        what,
        code: 550,
        command: 'DATA',
      });
    }
    const oversized = await refusal(
      path,
      `${dsn(path, 'ops@bnc-two.example', messageId)}${'x'.repeat(300 * 1024)}`,
    );
    expect(oversized?.responseCode).toBe(552);

    expect(await probe.snapshot()).toEqual(before.snapshot);
    expect(await deliveries()).toEqual(before.deliveries);
  });

  it('should turn the delivery bounced and keep the second contact counting when the mailbox bounces after accepting', async () => {
    clock.advance(10 * 60_000);
    const bouncedAt = clock.now().toISOString();
    const message = sentTo('ops@bnc-two.example');
    const messageId = message.raw.toString().match(/Message-ID: (<[^>]+>)/i)![1];
    const path = message.envelope.mailFrom;
    const accepted = await bounce(path, dsn(path, 'ops@bnc-two.example', messageId));
    expect(accepted.accepted).toEqual([path]);

    const all = await deliveries();
    expect(email(all, 'ops@bnc-two.example')).toMatchObject({
      status: 'bounced',
      bouncedAt,
      metDeadline: false,
      error:
        '5.1.1 550 5.1.1 <ops@bnc-two.example>: Recipient address rejected: User unknown in virtual mailbox table',
    });
    expect(email(all, 'sec@bnc-two.example')).toMatchObject({
      status: 'sent',
      bouncedAt: null,
      metDeadline: true,
    });

    const item = await compliance('bnc-two');
    expect(item.metDeadline).toBe(true);
    expect(item.undeliverable).toBe(false);
    expect(item.firstSentAt).toBe(email(all, 'sec@bnc-two.example').sentAt);
    expect(
      item.deliveries.find((d: DeliveryItem) => d.recipient === 'ops@bnc-two.example'),
    ).toMatchObject({ status: 'bounced', bouncedAt });

    const events = await auditOf('delivery.bounced');
    expect(events).toEqual([
      expect.objectContaining({
        actor: 'bounce-listener',
        entityId: email(all, 'ops@bnc-two.example').id,
        change: expect.objectContaining({
          status: { from: 'sent', to: 'bounced' },
          dsnStatus: '5.1.1',
        }),
      }),
    ]);

    expect(await bouncedMetric()).toBe(1);

    // The same DSN again (a relay retrying): accepted, nothing changes.
    const snapshot = await probe.snapshot();
    await bounce(path, dsn(path, 'ops@bnc-two.example', messageId));
    expect(await probe.snapshot()).toEqual(snapshot);
    expect(await deliveries()).toEqual(all);
    expect(await bouncedMetric()).toBe(1);

    const csv = await t.http
      .get('/v1/deliveries')
      .query({ incidentId })
      .set(bearer(keys.auditor))
      .set('Accept', 'text/csv');
    expect(csv.status).toBe(200);
    const [header, ...rows] = csv.text.trim().split(/\r?\n/);
    expect(header.split(',')).toEqual(expect.arrayContaining(['bouncedAt', 'error']));
    expect(rows.find((r) => r.includes('ops@bnc-two.example'))).toContain(`bounced`);
    expect(rows.find((r) => r.includes('ops@bnc-two.example'))).toContain(bouncedAt);

    // The operators' contact report names the address whose latest email bounced.
    const report = await t.http.get('/v1/contacts/report').set(bearer(t.adminKey));
    expect(report.status).toBe(200);
    const listed = (
      report.body.items as Array<{ tenantId: string; bounced: unknown[]; unverified: string[] }>
    ).find((i) => i.tenantId === 'bnc-two');
    expect(listed?.bounced).toEqual([
      {
        email: 'ops@bnc-two.example',
        bouncedAt,
        diagnostic: expect.stringContaining('User unknown'),
      },
    ]);
  });

  it('should report the tenant undeliverable and escalate it when every email of it bounced', async () => {
    const message = sentTo('gone@bnc-dead.example');
    const messageId = message.raw.toString().match(/Message-ID: (<[^>]+>)/i)![1];
    const path = message.envelope.mailFrom;
    await bounce(path, dsn(path, 'gone@bnc-dead.example', messageId));

    const item = await compliance('bnc-dead');
    expect(item.undeliverable).toBe(true);
    expect(item.firstSentAt).toBeNull();
    expect(item.metDeadline).not.toBe(true);
    // The dashboard post stands regardless.
    const dashboard = (await deliveries()).find(
      (d) => d.tenantId === 'bnc-dead' && d.channel === 'dashboard',
    );
    expect(dashboard?.status).toBe('sent');
    const feed = await t.http.get('/v1/tenants/bnc-dead/feed').set(bearer(t.adminKey));
    expect(feed.body.items).toHaveLength(1);
    expect(JSON.stringify(feed.body.items[0])).toContain(noticeId);

    relay.reset();
    const result = await t.app.get(DeadlineWatchService).run(clock.now());
    // bnc-dead (bounced) and bnc-fail (failed).
    expect(result.newUndeliverable).toBe(2);
    expect(result.undeliverable).toBe(2);
    expect(result.escalated?.to).toBe(ONCALL);
    const [mail] = await relay.waitFor(1);
    const parsed = await mail.parse();
    expect(parsed.subject).toContain('2 undeliverable');
    expect(parsed.text).toContain('undeliverable');
    expect(
      (await auditOf('deadline.undeliverable')).map((e) => [e.actor, e.entityId]).sort(),
    ).toEqual([
      ['system', 'bnc-dead'],
      ['system', 'bnc-fail'],
    ]);
    // bnc-two still has a contact that got it: not undeliverable, not escalated.
    expect((await compliance('bnc-two')).undeliverable).toBe(false);
  });
});
