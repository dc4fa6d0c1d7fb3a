import { createTransport } from 'nodemailer';
import { startSmtpSink } from '../../support/smtp-sink.js';
import { MailSendError, toMailSendError } from '../../../src/mail/smtp-errors.js';

describe('toMailSendError', () => {
  it('should carry kind, reply code, code and cause when wrapping an SMTP reply error', () => {
    const cause = Object.assign(new Error("Can't send mail - all recipients were rejected"), {
      code: 'EENVELOPE',
      responseCode: 550,
      command: 'RCPT TO',
      response: '550 5.1.1 unknown user',
    });

    const err = toMailSendError(cause);

    expect(err).toBeInstanceOf(MailSendError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('MailSendError');
    expect(err.kind).toBe('permanent');
    expect(err.temporary).toBe(false);
    expect(err.responseCode).toBe(550);
    expect(err.code).toBe('EENVELOPE');
    expect(err.message).toBe('smtp 550 at RCPT TO: 5.1.1 unknown user');
    expect(err.cause).toBe(cause);
  });

  it('should return the same instance when the error is already a MailSendError', () => {
    const original = new MailSendError('temporary', 'mailer is closed', { code: 'ECLOSED' });

    expect(toMailSendError(original)).toBe(original);
  });

  it('should wrap as temporary without a reply code when the value thrown is not an Error', () => {
    const err = toMailSendError('something odd');

    expect(err.kind).toBe('temporary');
    expect(err.temporary).toBe(true);
    expect(err.responseCode).toBeUndefined();
    expect(err.code).toBeUndefined();
    expect(err.cause).toBe('something odd');
  });

  // Pins the error shapes this module relies on to what nodemailer 10 really produces, so
  // a nodemailer upgrade that renames a field fails here rather than in production.
  it('should see ESOCKET/ECONNREFUSED when nodemailer cannot connect', async () => {
    const sink = await startSmtpSink();
    const port = sink.port;
    await sink.stop();
    const transport = createTransport({ host: '127.0.0.1', port, connectionTimeout: 2000 });

    let caught: unknown;
    try {
      await transport.sendMail({ from: 'a@herald.test', to: 'b@tenant.test', text: 'x' });
    } catch (e) {
      caught = e;
    }
    transport.close();

    expect(caught).toMatchObject({
      code: 'ESOCKET',
      originalCode: 'ECONNREFUSED',
      command: 'CONN',
    });
    expect(toMailSendError(caught)).toMatchObject({ kind: 'temporary', code: 'ESOCKET' });
  });

  it('should see EENVELOPE without a reply code when nodemailer refuses a malformed recipient', async () => {
    const sink = await startSmtpSink();
    const transport = createTransport({ host: '127.0.0.1', port: sink.port });

    let caught: unknown;
    try {
      await transport.sendMail({ from: 'a@herald.test', to: 'not an address', text: 'x' });
    } catch (e) {
      caught = e;
    } finally {
      transport.close();
      await sink.stop();
    }

    expect(caught).toMatchObject({ code: 'EENVELOPE' });
    expect((caught as { responseCode?: number }).responseCode).toBeUndefined();
    expect(toMailSendError(caught).kind).toBe('permanent');
    expect(sink.messages).toHaveLength(0);
  });
});
