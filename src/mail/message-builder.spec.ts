import { MailSendError } from './smtp-errors.js';
import { toMessageOptions } from './message-builder.js';
import type { OutgoingMail } from './mailer.js';

const mail = (overrides: Partial<OutgoingMail> = {}): OutgoingMail => ({
  from: 'Herald <security-notices@herald.test>',
  to: 'ops@tenant.test',
  subject: 'Security incident',
  text: 'text',
  html: '<p>html</p>',
  messageId: '<d1@herald.test>',
  headers: {},
  date: new Date('2026-12-01T10:00:00Z'),
  ...overrides,
});

describe('toMessageOptions', () => {
  it('should use the return path as envelope sender when given, else the From address', () => {
    expect(
      toMessageOptions(mail({ returnPath: 'bounce+abc@bounces.herald.test' })).envelope,
    ).toEqual({
      from: 'bounce+abc@bounces.herald.test',
      to: ['ops@tenant.test'],
    });
    expect(toMessageOptions(mail()).envelope).toEqual({
      from: 'security-notices@herald.test',
      to: ['ops@tenant.test'],
    });
  });

  it('should refuse a return path when it is not one bare address', () => {
    for (const returnPath of ['Bounce <b@x.test>', 'b@x.test, c@x.test', 'nobody'])
      expect(() => toMessageOptions(mail({ returnPath }))).toThrow(MailSendError);
  });

  it.each([
    'List-Unsubscribe',
    'List-Unsubscribe-Post',
    'List-Id',
    'list-help',
    'Precedence',
    'Return-Path',
    'DKIM-Signature',
    'Auto-Submitted',
  ])('should refuse the header %s when a caller sets it', (name) => {
    expect(() => toMessageOptions(mail({ headers: { [name]: 'x' } }))).toThrow(
      /is set by the mailer/,
    );
  });

  it('should mark every message auto-generated with auto-replies suppressed', () => {
    expect(toMessageOptions(mail({ headers: { 'X-Herald-Notice': 'n1' } })).headers).toEqual({
      'X-Herald-Notice': 'n1',
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'All',
    });
  });
});
