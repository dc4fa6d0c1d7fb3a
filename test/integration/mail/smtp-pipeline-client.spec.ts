import fc from 'fast-check';
import { MailSendError } from '../../../src/mail/smtp-errors.js';
import { dotStuff, SmtpPipelinePool } from '../../../src/mail/smtp-pipeline-client.js';
import { startSmtpSink, type SmtpSink } from '../../support/smtp-sink.js';

// What the relay answers each recipient at RCPT TO, by the address's local part.
type Verdict = 'accept' | 451 | 550;

function verdictOf(rcpt: string): Verdict {
  if (rcpt.startsWith('grey')) return 451;
  if (rcpt.startsWith('gone')) return 550;
  return 'accept';
}

function undoDotStuffing(data: Buffer): Buffer {
  const text = data.toString('latin1');
  expect(text.endsWith('\r\n.\r\n')).toBe(true);
  const body = text.slice(0, -3);
  return Buffer.from(body.replace(/^\./, '').replace(/\n\./g, '\n'), 'latin1');
}

const line = fc.stringMatching(/^[.a-zA-Z0-9 =:-]{0,40}$/);
const message = fc
  .tuple(fc.array(line, { minLength: 1, maxLength: 12 }), fc.boolean())
  .map(([lines, crlfAtEnd]) =>
    Buffer.from(`Subject: t\r\n\r\n${lines.join('\r\n')}${crlfAtEnd ? '\r\n' : ''}`, 'latin1'),
  );

describe('dotStuff', () => {
  it('should give back the message when the relay undoes the stuffing, for any lines', () => {
    fc.assert(
      fc.property(message, (raw) => {
        const stuffed = dotStuff(raw);
        const back = undoDotStuffing(stuffed);
        const expected = raw.toString('latin1').endsWith('\r\n')
          ? raw
          : Buffer.concat([raw, Buffer.from('\r\n')]);
        expect(back.equals(expected)).toBe(true);
        // No line of the data section is a lone "." before the end.
        expect(stuffed.toString('latin1').slice(0, -3).split('\r\n')).not.toContain('.');
      }),
    );
  });
});

describe('SmtpPipelinePool against an SMTP relay', () => {
  let sink: SmtpSink;
  let pool: SmtpPipelinePool;

  beforeAll(async () => {
    sink = await startSmtpSink({
      behaviour: (rcpt) => {
        const v = verdictOf(rcpt);
        return v === 'accept'
          ? 'accept'
          : { code: v, message: v === 451 ? '4.7.1 Try later' : '5.1.1 No such user' };
      },
    });
  });
  afterAll(async () => {
    await sink.stop();
  });
  beforeEach(() => {
    sink.reset();
    pool = new SmtpPipelinePool({
      host: '127.0.0.1',
      port: sink.port,
      secure: false,
      starttls: 'none',
      connections: 3,
      maxMessagesPerConnection: 4,
      timeoutMs: 3000,
    });
  });
  afterEach(async () => {
    await pool.close();
  });

  it('should answer every recipient on its own and deliver the exact bytes once to the accepted ones, for any groups', async () => {
    const local = fc.constantFrom('ok', 'grey', 'gone');
    const group = fc
      .uniqueArray(fc.tuple(local, fc.integer({ min: 0, max: 999 })), {
        minLength: 1,
        maxLength: 6,
        selector: ([l, n]) => `${l}${n}`,
      })
      .map((rs) => rs.map(([l, n]) => `${l}${n}@tenant.test`));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(group, message), { minLength: 1, maxLength: 8 }),
        async (sends) => {
          sink.reset();
          // All at once: more sends than connections, so some wait and connections are reused.
          const results = await Promise.all(
            sends.map(([to, raw]) => pool.send({ from: 'herald@herald.test', to }, raw)),
          );
          const withAccepted = sends.filter(([to]) => to.some((r) => verdictOf(r) === 'accept'));
          expect(sink.messages).toHaveLength(withAccepted.length);
          sends.forEach(([to, raw], i) => {
            const outcomes = results[i];
            expect(outcomes.map((o) => o.rcpt)).toEqual(to);
            for (const o of outcomes) {
              const v = verdictOf(o.rcpt);
              if (v === 'accept') {
                expect(o.accepted).toBe(true);
              } else {
                expect(o.accepted).toBe(false);
                if (o.accepted) continue;
                expect(o.error).toBeInstanceOf(MailSendError);
                expect(o.error.kind).toBe(v === 451 ? 'temporary' : 'permanent');
                expect(o.error.responseCode).toBe(v);
              }
            }
            const accepted = to.filter((r) => verdictOf(r) === 'accept');
            if (!accepted.length) return;
            const received = sink.messages.filter(
              (m) => m.envelope.rcptTo.join() === accepted.join(),
            );
            expect(received.length).toBeGreaterThanOrEqual(1);
            const expected = raw.toString('latin1').endsWith('\r\n')
              ? raw
              : Buffer.concat([raw, Buffer.from('\r\n')]);
            expect(received.some((m) => m.raw.equals(expected))).toBe(true);
          });
        },
      ),
      { numRuns: 25 },
    );
  });

  it('should fail the message as temporary when the relay is down and send again once it is back', async () => {
    await sink.stop();
    const err = await pool
      .send(
        { from: 'herald@herald.test', to: ['ok1@tenant.test'] },
        Buffer.from('Subject: a\r\n\r\nx\r\n'),
      )
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(MailSendError);
    expect((err as MailSendError).kind).toBe('temporary');
    await sink.start();
    const outcomes = await pool.send(
      { from: 'herald@herald.test', to: ['ok1@tenant.test'] },
      Buffer.from('Subject: a\r\n\r\nx\r\n'),
    );
    expect(outcomes).toEqual([
      expect.objectContaining({ rcpt: 'ok1@tenant.test', accepted: true }),
    ]);
    expect(sink.messages).toHaveLength(1);
  });

  it('should carry on over a new connection when the relay dropped an idle one', async () => {
    const send = () =>
      pool.send(
        { from: 'herald@herald.test', to: ['ok2@tenant.test'] },
        Buffer.from('Subject: b\r\n\r\ny\r\n'),
      );
    await send();
    await sink.stop();
    await sink.start();
    await new Promise((r) => setTimeout(r, 50));
    const outcomes = await send();
    expect(outcomes[0].accepted).toBe(true);
    expect(sink.messages).toHaveLength(2);
  });
});
