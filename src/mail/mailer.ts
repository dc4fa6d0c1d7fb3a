import type { DkimKey } from '../config/dkim-key.js';
import { OutboxMailer } from './outbox.js';
import { SmtpMailer, smtpPoolOptionsFromUrl } from './smtp-pool.js';

export { MailSendError } from './smtp-errors.js';
export { smtpPoolOptionsFromUrl } from './smtp-pool.js';

/** A fully rendered message. Same input, same bytes: a retried send re-sends them. */
export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Deterministic, e.g. `<delivery-uuid@herald.local>`; angle brackets optional. */
  messageId: string;
  /** Extra headers such as `X-Herald-Delivery`. Standard headers cannot be overridden. */
  headers: Record<string, string>;
  date: Date;
  /** The envelope sender (MAIL FROM), where bounces go, e.g. a VERP address; default the From address. */
  returnPath?: string;
}

export interface SentMail {
  messageId: string;
  /** The relay's final reply, or where the outbox wrote the file. */
  response: string;
}

export interface Mailer {
  /** Sends one message. Rejects with a classified {@link MailSendError} only. */
  send(mail: OutgoingMail): Promise<SentMail>;
  /** Checks that the relay accepts a connection (and the credentials), or that the outbox is writable. */
  verify(): Promise<void>;
  /** Stops accepting sends, waits for the in-flight ones to settle, then closes the pool. */
  close(): Promise<void>;
}

export interface MailerOptions {
  /** smtp:// or smtps://; without it messages are written as .eml files under outboxDir. */
  smtpUrl?: string;
  outboxDir: string;
  poolSize: number;
  timeoutMs: number;
  /** Signs every message (DKIM-Signature, rsa-sha256, relaxed/relaxed) when set. */
  dkim?: DkimKey;
}

/**
 * Creates the mail transport: a pooled SMTP client when `smtpUrl` is set (smtp-pool.ts: its
 * query options), otherwise an outbox that writes `<outboxDir>/<yyyy-mm-dd>/<message-id>.eml`
 * (outbox.ts). Both build the message the same way (message-builder.ts).
 */
export function createMailer(options: MailerOptions): Mailer {
  if (options.smtpUrl !== undefined && options.smtpUrl.trim() !== '') {
    return new SmtpMailer(smtpPoolOptionsFromUrl(options.smtpUrl, options), options.dkim);
  }
  return new OutboxMailer(options.outboxDir, options.dkim);
}
