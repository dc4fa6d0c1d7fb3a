import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { startSmtpSink, type SmtpSink } from '../../support/smtp-sink.js';
import {
  createMailer,
  MailSendError,
  smtpPoolOptionsFromUrl,
  type Mailer,
  type OutgoingMail,
} from '../../../src/mail/mailer.js';

function outgoing(overrides: Partial<OutgoingMail> = {}): OutgoingMail {
  return {
    from: 'Herald <security-notices@herald.test>',
    to: 'Ops Team <ops@tenant.test>',
    subject: 'Security incident INC-42: initial notice',
    text: 'Plain text body\nsecond line',
    html: '<p>HTML <strong>body</strong></p>',
    messageId: '<6f1c2a8e-1b2c-4d5e-8f90-123456789abc@herald.local>',
    headers: { 'X-Herald-Delivery': '6f1c2a8e-1b2c-4d5e-8f90-123456789abc' },
    date: new Date('2026-03-14T09:26:53.000Z'),
    ...overrides,
  };
}

async function rejectionOf(promise: Promise<unknown>): Promise<MailSendError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof MailSendError) return err;
    throw new Error(`expected a MailSendError, got ${String(err)}`);
  }
  throw new Error('expected the send to fail');
}

describe('createMailer with an SMTP relay', () => {
  let sink: SmtpSink;
  let mailer: Mailer;

  beforeEach(async () => {
    sink = await startSmtpSink();
    mailer = createMailer({
      smtpUrl: sink.url,
      outboxDir: '/nonexistent',
      poolSize: 2,
      timeoutMs: 3000,
    });
  });

  afterEach(async () => {
    await mailer.close();
    await sink.stop();
  });

  it('should deliver through the pool with the given headers when the relay accepts', async () => {
    const sent = await mailer.send(outgoing());

    expect(sent.messageId).toBe('<6f1c2a8e-1b2c-4d5e-8f90-123456789abc@herald.local>');
    expect(sent.response).toMatch(/^250 /);
    const [message] = await sink.waitFor(1);
    expect(message.envelope).toEqual({
      mailFrom: 'security-notices@herald.test',
      rcptTo: ['ops@tenant.test'],
    });
    const parsed = await message.parse();
    expect(parsed.messageId).toBe('<6f1c2a8e-1b2c-4d5e-8f90-123456789abc@herald.local>');
    expect(parsed.subject).toBe('Security incident INC-42: initial notice');
    expect(parsed.from?.value).toEqual([
      { name: 'Herald', address: 'security-notices@herald.test' },
    ]);
    expect(parsed.date?.toISOString()).toBe('2026-03-14T09:26:53.000Z');
    expect(parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(parsed.headers.get('x-auto-response-suppress')).toBe('All');
    expect(parsed.headers.get('x-herald-delivery')).toBe('6f1c2a8e-1b2c-4d5e-8f90-123456789abc');
    expect(parsed.headers.has('x-mailer')).toBe(false);
    expect(parsed.text?.trim()).toBe('Plain text body\nsecond line');
    expect(parsed.html).toBe('<p>HTML <strong>body</strong></p>');
    expect(message.raw.toString('latin1')).toMatch(/Content-Type: multipart\/alternative/);
  });

  it('should send identical bytes when the same mail is sent twice', async () => {
    await mailer.send(outgoing());
    await mailer.send(outgoing());

    const [first, second] = await sink.waitFor(2);
    expect(second.raw.equals(first.raw)).toBe(true);
  });

  it('should report temporary twice and then succeed when the mailbox answers 451 twice', async () => {
    sink.setBehaviour((_rcpt, attempt) =>
      attempt <= 2 ? { code: 451, message: '4.7.1 Greylisted, try again later' } : 'accept',
    );

    const first = await rejectionOf(mailer.send(outgoing()));
    const second = await rejectionOf(mailer.send(outgoing()));
    const third = await mailer.send(outgoing());

    for (const err of [first, second]) {
      expect(err.kind).toBe('temporary');
      expect(err.responseCode).toBe(451);
      expect(err.message).toMatch(/^smtp 451 at RCPT TO: 4\.7\.1 Greylisted/);
    }
    expect(third.response).toMatch(/^250 /);
    expect(sink.attempts('ops@tenant.test')).toBe(3);
    expect(sink.messages).toHaveLength(1);
  });

  it('should report permanent when the mailbox answers 550', async () => {
    sink.setBehaviour((rcpt) =>
      rcpt === 'gone@tenant.test' ? { code: 550, message: '5.1.1 No such user' } : 'accept',
    );

    const err = await rejectionOf(mailer.send(outgoing({ to: 'gone@tenant.test' })));
    const other = await mailer.send(outgoing({ to: 'ops@tenant.test' }));

    expect(err.kind).toBe('permanent');
    expect(err.responseCode).toBe(550);
    expect(err.code).toBe('EENVELOPE');
    expect(err.message).toBe('smtp 550 at RCPT TO: 5.1.1 No such user');
    expect(other.response).toMatch(/^250 /);
    expect(sink.messages.map((m) => m.envelope.rcptTo)).toEqual([['ops@tenant.test']]);
  });

  it('should report temporary when the relay is down and succeed once it is back up', async () => {
    await mailer.send(outgoing());
    await sink.stop();

    const down = await rejectionOf(mailer.send(outgoing()));
    expect(down.kind).toBe('temporary');
    expect(down.message).toMatch(/connection refused/);
    expect(down.cause).toMatchObject({ code: 'ESOCKET', originalCode: 'ECONNREFUSED' });

    await sink.start();
    const up = await mailer.send(outgoing());

    expect(up.response).toMatch(/^250 /);
    expect(sink.messages).toHaveLength(2);
  });

  it('should not inject headers when the subject and header values carry CR/LF', async () => {
    await mailer.send(
      outgoing({
        subject: 'Incident\r\nBcc: attacker@evil.test\r\nX-Injected: subject',
        headers: {
          'X-Herald-Delivery': 'abc\r\nX-Injected: header\nBcc: attacker@evil.test',
          'X-Evil\r\nX-Injected': 'name',
        },
      }),
    );

    const [message] = await sink.waitFor(1);
    const headerBlock = message.raw.toString('latin1').split('\r\n\r\n')[0];
    expect(headerBlock).not.toMatch(/^(X-Injected|Bcc):/im);
    expect(message.envelope.rcptTo).toEqual(['ops@tenant.test']);
    const parsed = await message.parse();
    expect(parsed.subject).toBe('Incident Bcc: attacker@evil.test X-Injected: subject');
    expect(parsed.headers.get('x-herald-delivery')).toBe(
      'abc X-Injected: header Bcc: attacker@evil.test',
    );
    expect(parsed.headers.has('x-injected')).toBe(false);
    expect(parsed.headers.get('x-evilx-injected')).toBe('name');
  });

  it('should keep the body out of the error when the relay rejects the message', async () => {
    sink.setBehaviour(() => ({ code: 554, message: '5.7.1 Policy rejection' }));

    const err = await rejectionOf(
      mailer.send(outgoing({ text: 'SECRET-BODY-TEXT', html: '<p>SECRET-BODY-HTML</p>' })),
    );

    expect(err.kind).toBe('permanent');
    expect(err.message).not.toContain('SECRET-BODY');
    expect(String(err.cause)).not.toContain('SECRET-BODY');
  });

  it('should authenticate with the credentials in the URL when they are given', async () => {
    const authed = createMailer({
      smtpUrl: `smtp://herald%40relay:p%3Ass@127.0.0.1:${sink.port}`,
      outboxDir: '/nonexistent',
      poolSize: 1,
      timeoutMs: 3000,
    });
    try {
      await authed.verify();
      await authed.send(outgoing());
    } finally {
      await authed.close();
    }

    const [message] = await sink.waitFor(1);
    expect(message.authUser).toBe('herald@relay');
  });

  it('should wait for in-flight sends when closed, then refuse new ones', async () => {
    const sends = Array.from({ length: 10 }, (_, i) =>
      mailer.send(outgoing({ messageId: `<close-${i}@herald.local>` })),
    );

    await mailer.close();

    const results = await Promise.allSettled(sends);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(sink.messages).toHaveLength(10);
    const late = await rejectionOf(mailer.send(outgoing()));
    expect(late.kind).toBe('temporary');
    expect(late.code).toBe('ECLOSED');
  });

  it('should fail permanently without contacting the relay when the message is malformed', async () => {
    const badId = await rejectionOf(mailer.send(outgoing({ messageId: 'no-at-sign' })));
    const reserved = await rejectionOf(
      mailer.send(outgoing({ headers: { 'message-id': '<other@herald.local>' } })),
    );
    const badDate = await rejectionOf(mailer.send(outgoing({ date: new Date('nope') })));
    const twoRecipients = await rejectionOf(
      mailer.send(outgoing({ to: 'ops@tenant.test, other@tenant.test' })),
    );
    const noMailbox = await rejectionOf(mailer.send(outgoing({ to: 'not an address' })));

    for (const err of [badId, reserved, badDate, twoRecipients, noMailbox]) {
      expect(err.kind).toBe('permanent');
      expect(err.code).toBe('EINVALID');
    }
    expect(reserved.message).toMatch(/header message-id is set by the mailer/);
    expect(twoRecipients.message).toBe('invalid message: to must be exactly one mailbox');
    expect(sink.attempts('ops@tenant.test')).toBe(0);
  });

  it('should report temporary when verify cannot reach the relay', async () => {
    await sink.stop();

    const err = await rejectionOf(mailer.verify());

    expect(err.kind).toBe('temporary');
    expect(err.message).toMatch(/connection refused/);
  });
});

describe('createMailer without an SMTP relay (outbox)', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'herald-outbox-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('should write a parseable .eml file per message when no smtpUrl is set', async () => {
    const mailer = createMailer({
      outboxDir: join(dir, 'nested', 'outbox'),
      poolSize: 5,
      timeoutMs: 1000,
    });
    await mailer.verify();

    const sent = await mailer.send(outgoing({ subject: 'Line\r\nX-Injected: yes' }));
    await mailer.close();

    const day = join(dir, 'nested', 'outbox', '2026-03-14');
    const file = join(day, '6f1c2a8e-1b2c-4d5e-8f90-123456789abc@herald.local.eml');
    expect(sent).toEqual({
      messageId: '<6f1c2a8e-1b2c-4d5e-8f90-123456789abc@herald.local>',
      response: `written to ${file}`,
    });
    expect(await readdir(day)).toEqual(['6f1c2a8e-1b2c-4d5e-8f90-123456789abc@herald.local.eml']);
    const raw = await readFile(file);
    expect(raw.toString('latin1')).toMatch(/^[^\n]*\r\n/);
    expect(raw.toString('latin1')).not.toMatch(/[^\r]\n/);
    const parsed = await simpleParser(raw);
    expect(parsed.messageId).toBe('<6f1c2a8e-1b2c-4d5e-8f90-123456789abc@herald.local>');
    expect(parsed.subject).toBe('Line X-Injected: yes');
    expect(parsed.headers.has('x-injected')).toBe(false);
    expect(parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(parsed.headers.get('x-herald-delivery')).toBe('6f1c2a8e-1b2c-4d5e-8f90-123456789abc');
    expect(parsed.text?.trim()).toBe('Plain text body\nsecond line');
    expect(parsed.html).toBe('<p>HTML <strong>body</strong></p>');
  });

  it('should overwrite with identical bytes and leave no temp files when a send is retried', async () => {
    const mailer = createMailer({ outboxDir: dir, poolSize: 1, timeoutMs: 1000 });
    const file = join(dir, '2026-03-14', '6f1c2a8e-1b2c-4d5e-8f90-123456789abc@herald.local.eml');

    await mailer.send(outgoing());
    const first = await readFile(file);
    await Promise.all([mailer.send(outgoing()), mailer.send(outgoing())]);
    await mailer.close();

    expect((await readFile(file)).equals(first)).toBe(true);
    expect(await readdir(join(dir, '2026-03-14'))).toHaveLength(1);
  });

  it('should report temporary when the outbox cannot be written', async () => {
    const blocker = join(dir, 'not-a-dir');
    await writeFile(blocker, 'a file where the outbox directory should be');
    const mailer = createMailer({ outboxDir: blocker, poolSize: 1, timeoutMs: 1000 });

    const err = await rejectionOf(mailer.send(outgoing()));
    await mailer.close();

    expect(err.kind).toBe('temporary');
    expect(err.message).toMatch(/^outbox write failed \((ENOTDIR|EEXIST)\)$/);
  });
});

describe('smtpPoolOptionsFromUrl', () => {
  const settings = { poolSize: 5, timeoutMs: 10_000 };

  it('should build a pooled transport with timeouts when given a plain smtp URL', () => {
    expect(smtpPoolOptionsFromUrl('smtp://relay.internal:2525', settings)).toMatchObject({
      pool: true,
      host: 'relay.internal',
      port: 2525,
      secure: false,
      maxConnections: 5,
      maxMessages: 10_000,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 10_000,
    });
  });

  it('should decode credentials and read the query options when they are present', () => {
    const options = smtpPoolOptionsFromUrl(
      'smtps://user%40example.com:p%40ss%2Fword@[::1]:465?rejectUnauthorized=false&pool=3&name=herald.example&maxMessages=50&authMethod=login',
      settings,
    );
    expect(options).toMatchObject({
      host: '::1',
      port: 465,
      secure: true,
      auth: { user: 'user@example.com', pass: 'p@ss/word' },
      tls: { rejectUnauthorized: false },
      maxConnections: 3,
      maxMessages: 50,
      name: 'herald.example',
      authMethod: 'LOGIN',
    });
  });

  it.each([
    ['smtp://relay?tls=require', { requireTLS: true }],
    ['smtp://relay?tls=none', { ignoreTLS: true }],
    ['smtp://relay?tls=opportunistic', {}],
  ])('should map %s to the STARTTLS policy', (url, expected) => {
    const options = smtpPoolOptionsFromUrl(url, settings);
    expect(options).toMatchObject(expected);
    if (!('requireTLS' in expected)) expect(options.requireTLS).toBeUndefined();
  });

  it.each([
    ['smtp://relay?tsl=require', /unknown query parameter "tsl"/],
    ['smtp://relay?tls=maybe', /tls must be/],
    ['smtps://relay?tls=none', /contradicts/],
    ['smtp://relay?pool=false', /always pools/],
    ['smtp://relay?pool=0', /pool must be a positive integer/],
    ['smtp://relay?rejectUnauthorized=nah', /rejectUnauthorized must be true or false/],
    ['http://relay', /smtp:\/\/ or smtps:\/\//],
    ['not a url with p4ssw0rd', /not a valid URL/],
  ])('should throw when the URL is %s', (url, message) => {
    expect(() => smtpPoolOptionsFromUrl(url, settings)).toThrow(message);
  });

  it('should never echo the password when the URL is rejected', () => {
    expect(() => smtpPoolOptionsFromUrl('smtp://u:hunter2@relay?bogus=1', settings)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }) as Error,
    );
  });
});

describe('startSmtpSink (test support used above)', () => {
  it('should keep its port and messages when stopped and started again', async () => {
    const sink = await startSmtpSink();
    const mailer = createMailer({
      smtpUrl: sink.url,
      outboxDir: '/nonexistent',
      poolSize: 1,
      timeoutMs: 3000,
    });
    try {
      const port = sink.port;
      await mailer.send(outgoing());
      await sink.stop();
      expect(sink.running).toBe(false);
      await sink.start();

      expect(sink.port).toBe(port);
      expect(sink.url).toBe(`smtp://127.0.0.1:${port}`);
      expect(sink.messages).toHaveLength(1);
    } finally {
      await mailer.close();
      await sink.stop();
    }
  });

  it('should reject waitFor with the count seen when too few messages arrive', async () => {
    const sink = await startSmtpSink();
    try {
      await expect(sink.waitFor(1, 50)).rejects.toThrow(
        'expected 1 message(s) within 50 ms, got 0',
      );
    } finally {
      await sink.stop();
    }
  });

  it('should forget messages and attempts when reset', async () => {
    const sink = await startSmtpSink({
      behaviour: (_rcpt, attempt) => (attempt === 1 ? { code: 450, message: 'busy' } : 'accept'),
    });
    const mailer = createMailer({
      smtpUrl: sink.url,
      outboxDir: '/nonexistent',
      poolSize: 1,
      timeoutMs: 3000,
    });
    try {
      await rejectionOf(mailer.send(outgoing()));
      await mailer.send(outgoing());
      expect(sink.attempts('OPS@tenant.test')).toBe(2);

      sink.reset();

      expect(sink.messages).toHaveLength(0);
      expect(sink.attempts('ops@tenant.test')).toBe(0);
      await expect(mailer.send(outgoing())).rejects.toMatchObject({ responseCode: 450 });
    } finally {
      await mailer.close();
      await sink.stop();
    }
  });
});
