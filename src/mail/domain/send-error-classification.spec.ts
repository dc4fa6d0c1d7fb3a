import { classifySendError, type SendErrorKind } from './send-error-classification.js';

// Builds an error the way nodemailer's SMTPConnection._formatError does.
function nodemailerError(
  message: string,
  fields: {
    code?: string;
    originalCode?: string;
    responseCode?: number;
    command?: string;
    response?: string;
    timeoutType?: string;
  },
): Error {
  return Object.assign(new Error(message), fields);
}

describe('classifySendError', () => {
  const table: Array<[string, unknown, SendErrorKind, RegExp]> = [
    [
      '451 at RCPT (greylisting)',
      nodemailerError("Can't send mail - all recipients were rejected", {
        code: 'EENVELOPE',
        responseCode: 451,
        command: 'RCPT TO',
        response: '451 4.7.1 Try again later',
      }),
      'temporary',
      /^smtp 451 at RCPT TO: 4\.7\.1 Try again later$/,
    ],
    [
      '421 service not available',
      nodemailerError('x', {
        code: 'EENVELOPE',
        responseCode: 421,
        command: 'MAIL FROM',
        response: '421 closing',
      }),
      'temporary',
      /^smtp 421 at MAIL FROM/,
    ],
    [
      '452 mailbox full',
      nodemailerError('x', {
        code: 'EMESSAGE',
        responseCode: 452,
        command: 'DATA',
        response: '452 4.2.2 full',
      }),
      'temporary',
      /smtp 452/,
    ],
    [
      '550 unknown mailbox',
      nodemailerError('x', {
        code: 'EENVELOPE',
        responseCode: 550,
        command: 'RCPT TO',
        response: '550 5.1.1 <nobody@example.com>: user unknown',
      }),
      'permanent',
      /^smtp 550 at RCPT TO: 5\.1\.1 <nobody@example\.com>: user unknown$/,
    ],
    [
      '554 rejected after DATA',
      nodemailerError('x', {
        code: 'EMESSAGE',
        responseCode: 554,
        command: 'DATA',
        response: '554 spam',
      }),
      'permanent',
      /smtp 554 at DATA/,
    ],
    [
      '503 bad sequence',
      nodemailerError('x', {
        code: 'EPROTOCOL',
        responseCode: 503,
        command: 'RSET',
        response: '503 bad sequence',
      }),
      'temporary',
      /bad command sequence/,
    ],
    [
      '535 relay credentials rejected',
      nodemailerError('Invalid login', {
        code: 'EAUTH',
        responseCode: 535,
        command: 'AUTH PLAIN',
        response: '535 5.7.8 nope',
      }),
      'temporary',
      /^relay authentication failed: smtp 535/,
    ],
    [
      'relay refusing connections (nodemailer wraps ECONNREFUSED in ESOCKET)',
      nodemailerError('connect ECONNREFUSED 127.0.0.1:2525', {
        code: 'ESOCKET',
        originalCode: 'ECONNREFUSED',
        command: 'CONN',
      }),
      'temporary',
      /^connection refused \(ESOCKET\/ECONNREFUSED\)$/,
    ],
    [
      'raw ECONNREFUSED from net',
      Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }),
      'temporary',
      /connection refused/,
    ],
    [
      'raw ECONNRESET',
      Object.assign(new Error('reset'), { code: 'ECONNRESET' }),
      'temporary',
      /connection reset/,
    ],
    [
      'greeting timeout',
      nodemailerError('Greeting never received', {
        code: 'ETIMEDOUT',
        command: 'CONN',
        timeoutType: 'GREETING_TIMEOUT',
      }),
      'temporary',
      /^timed out greeting_timeout \(ETIMEDOUT\)$/,
    ],
    [
      'connection closed',
      nodemailerError('Connection closed unexpectedly', { code: 'ECONNECTION' }),
      'temporary',
      /connection closed/,
    ],
    [
      'DNS temporary failure',
      nodemailerError('getaddrinfo EAI_AGAIN relay', {
        code: 'EDNS',
        originalCode: 'EAI_AGAIN',
        command: 'CONN',
      }),
      'temporary',
      /^dns lookup failed \(EDNS\/EAI_AGAIN\)$/,
    ],
    [
      'relay host not found (our config, not the recipient)',
      nodemailerError('getaddrinfo ENOTFOUND relay', { code: 'EDNS', originalCode: 'ENOTFOUND' }),
      'temporary',
      /relay host not found/,
    ],
    [
      'TLS failure',
      nodemailerError('wrong version', { code: 'ETLS' }),
      'temporary',
      /tls negotiation/,
    ],
    [
      'missing credentials',
      nodemailerError('Missing credentials', { code: 'EAUTH', command: 'API' }),
      'temporary',
      /relay authentication failed/,
    ],
    [
      'malformed recipient (no reply code)',
      nodemailerError('Invalid recipient "bad address"', { code: 'EENVELOPE', command: 'API' }),
      'permanent',
      /^invalid envelope/,
    ],
    [
      'no recipients',
      nodemailerError('No recipients defined', { code: 'EENVELOPE', command: 'API' }),
      'permanent',
      /invalid envelope/,
    ],
    [
      'message over the relay SIZE limit',
      nodemailerError('Message size larger than allowed 1000', {
        code: 'EMESSAGE',
        command: 'MAIL FROM',
      }),
      'permanent',
      /size limit/,
    ],
    [
      'pool closed while queued (no code)',
      new Error('Connection pool was closed'),
      'temporary',
      /^unknown send error$/,
    ],
    [
      'unknown code',
      Object.assign(new Error('??'), { code: 'EWHATEVER' }),
      'temporary',
      /^unknown send error \(EWHATEVER\)$/,
    ],
    ['a thrown string', 'boom', 'temporary', /^unknown send error$/],
    ['null', null, 'temporary', /^unknown send error$/],
    [
      'unexpected 250 treated as error',
      nodemailerError('x', { code: 'EPROTOCOL', responseCode: 250 }),
      'temporary',
      /invalid smtp response/,
    ],
  ];

  it.each(table)('should classify %s', (_name, err, kind, reason) => {
    const result = classifySendError(err);
    expect(result.kind).toBe(kind);
    expect(result.reason).toMatch(reason);
  });

  it('should keep the reason free of the error message when the error is unknown', () => {
    const body = 'CONFIDENTIAL incident details for tenant acme';
    const result = classifySendError(Object.assign(new Error(body), { code: 'EFOO' }));
    expect(result.reason).not.toContain('CONFIDENTIAL');
    expect(result.reason).toBe('unknown send error (EFOO)');
  });

  it('should collapse and truncate the relay reply when it is multi-line or long', () => {
    const response = `550-5.7.1 first line\r\n550 5.7.1 ${'x'.repeat(500)}`;
    const { reason } = classifySendError(
      nodemailerError('x', { code: 'EMESSAGE', responseCode: 550, command: 'DATA', response }),
    );
    expect(reason).not.toMatch(/[\r\n]/);
    expect(reason.length).toBeLessThan(260);
  });

  it('should drop characters that do not belong in a code when the code is hostile', () => {
    const { reason } = classifySendError({ code: 'EVIL\r\nX-Injected: 1' });
    expect(reason).not.toMatch(/[\r\n:]/);
  });
});
