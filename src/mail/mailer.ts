import { createHash, randomUUID } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createTransport,
  type SendMailOptions,
  type SMTPPoolOptions,
  type SMTPPoolSentMessageInfo,
  type StreamSentMessageInfo,
  type StreamTransportOptions,
  type Transporter,
} from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import { encodeWord } from 'nodemailer/lib/mime-funcs';
import MailComposer from 'nodemailer/lib/mail-composer';
import { textPart } from './mime-body.js';
import { MailSendError, toMailSendError } from './smtp-errors.js';

export { MailSendError } from './smtp-errors.js';

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
}

/**
 * Creates the mail transport: a pooled SMTP client when `smtpUrl` is set, otherwise an
 * outbox that writes `<outboxDir>/<yyyy-mm-dd>/<message-id>.eml` (RFC 5322, CRLF).
 *
 * `smtpUrl` query options: `tls=require|none|opportunistic` (STARTTLS policy, default
 * opportunistic), `rejectUnauthorized=false` (alias `tls.rejectUnauthorized`),
 * `servername=…`, `pool=<n>` (connections, overrides poolSize; `pool=true` is accepted),
 * `maxMessages=<n>` (per connection), `name=…` (EHLO name), `authMethod=PLAIN|LOGIN|CRAM-MD5`.
 * Unknown options throw, so a typo fails at boot rather than being ignored.
 */
export function createMailer(options: MailerOptions): Mailer {
  if (options.smtpUrl !== undefined && options.smtpUrl.trim() !== '') {
    return new SmtpMailer(smtpPoolOptionsFromUrl(options.smtpUrl, options));
  }
  return new OutboxMailer(options.outboxDir);
}

const DEFAULT_MAX_MESSAGES_PER_CONNECTION = 10_000;

/** Translates an smtp(s):// URL into nodemailer pool options. Error messages never echo the URL. */
export function smtpPoolOptionsFromUrl(
  smtpUrl: string,
  settings: { poolSize: number; timeoutMs: number },
): SMTPPoolOptions & { pool: true } {
  let url: URL;
  try {
    url = new URL(smtpUrl.trim());
  } catch {
    throw new Error('smtpUrl is not a valid URL');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new Error(`smtpUrl must use smtp:// or smtps://, got ${url.protocol}//`);
  }
  if (!Number.isInteger(settings.poolSize) || settings.poolSize < 1) {
    throw new Error('poolSize must be a positive integer');
  }
  const secure = url.protocol === 'smtps:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new Error('smtpUrl has no host');

  const result: SMTPPoolOptions & { pool: true } = {
    pool: true,
    host,
    secure,
    maxConnections: settings.poolSize,
    maxMessages: DEFAULT_MAX_MESSAGES_PER_CONNECTION,
    connectionTimeout: settings.timeoutMs,
    greetingTimeout: settings.timeoutMs,
    socketTimeout: settings.timeoutMs,
    dnsTimeout: settings.timeoutMs,
    logger: false,
    disableFileAccess: true,
    disableUrlAccess: true,
  };
  if (url.port !== '') result.port = Number(url.port);
  if (url.username !== '' || url.password !== '') {
    result.auth = { user: safeDecode(url.username), pass: safeDecode(url.password) };
  }
  const tls: NonNullable<SMTPPoolOptions['tls']> = {};

  for (const [key, value] of url.searchParams) {
    switch (key) {
      case 'tls':
        if (value === 'require') {
          result.requireTLS = true;
        } else if (value === 'none') {
          if (secure) throw new Error('smtpUrl: tls=none contradicts smtps://');
          result.ignoreTLS = true;
        } else if (value !== 'opportunistic') {
          throw new Error('smtpUrl: tls must be require, none or opportunistic');
        }
        break;
      case 'rejectUnauthorized':
      case 'tls.rejectUnauthorized':
        tls.rejectUnauthorized = parseBoolean(key, value);
        break;
      case 'servername':
      case 'tls.servername':
        tls.servername = value;
        result.servername = value;
        break;
      case 'pool':
        if (value === 'true') break;
        if (value === 'false')
          throw new Error('smtpUrl: pool=false is not supported, Herald always pools');
        result.maxConnections = positiveInt(key, value);
        break;
      case 'maxMessages':
        result.maxMessages = positiveInt(key, value);
        break;
      case 'name':
        result.name = value;
        break;
      case 'authMethod': {
        const method = value.toUpperCase();
        if (!['PLAIN', 'LOGIN', 'CRAM-MD5'].includes(method)) {
          throw new Error('smtpUrl: authMethod must be PLAIN, LOGIN or CRAM-MD5');
        }
        result.authMethod = method;
        break;
      }
      default:
        throw new Error(
          `smtpUrl: unknown query parameter "${key}" (supported: tls, rejectUnauthorized, servername, pool, maxMessages, name, authMethod)`,
        );
    }
  }
  if (Object.keys(tls).length > 0) result.tls = tls;
  return result;
}

class SmtpMailer implements Mailer {
  private readonly transport: Transporter<SMTPPoolSentMessageInfo, SMTPPoolOptions>;
  private readonly tracker = new SendTracker();

  constructor(options: SMTPPoolOptions & { pool: true }) {
    this.transport = createTransport(options);
  }

  send(mail: OutgoingMail): Promise<SentMail> {
    return this.tracker.run(async () => {
      const message = toMessageOptions(mail);
      let info: SMTPPoolSentMessageInfo;
      try {
        // Built into one buffer first: the connection then writes the message in a few large
        // chunks instead of streaming it through the encoders chunk by chunk (same bytes).
        const raw = await new MailComposer(message).compile().build();
        info = await this.transport.sendMail({
          envelope: envelopeOf(message),
          raw,
          messageId: message.messageId,
        });
      } catch (err) {
        throw toMailSendError(err);
      }
      // Defensive: with a single recipient nodemailer rejects instead of reporting partial
      // acceptance, but a success that names a rejected recipient must never pass as one.
      if (info.rejected.length > 0) {
        throw toMailSendError(info.rejectedErrors?.[0] ?? { code: 'EENVELOPE' });
      }
      return { messageId: message.messageId as string, response: info.response };
    });
  }

  async verify(): Promise<void> {
    try {
      await this.transport.verify();
    } catch (err) {
      throw toMailSendError(err);
    }
  }

  async close(): Promise<void> {
    await this.tracker.drain();
    this.transport.close();
  }
}

class OutboxMailer implements Mailer {
  private readonly composer: Transporter<StreamSentMessageInfo, StreamTransportOptions>;
  private readonly tracker = new SendTracker();

  constructor(private readonly outboxDir: string) {
    this.composer = createTransport({
      streamTransport: true,
      buffer: true,
      newline: 'windows',
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  send(mail: OutgoingMail): Promise<SentMail> {
    return this.tracker.run(async () => {
      const message = toMessageOptions(mail);
      let info: StreamSentMessageInfo;
      try {
        info = await this.composer.sendMail(message);
      } catch (err) {
        throw toMailSendError(err);
      }
      if (!Buffer.isBuffer(info.message)) {
        throw new MailSendError(
          'temporary',
          'outbox composer returned a stream, expected a buffer',
        );
      }
      const dir = join(this.outboxDir, utcDay(mail.date));
      const file = join(dir, `${fileNameFor(info.messageId)}.eml`);
      try {
        await writeFileAtomically(dir, file, info.message);
      } catch (err) {
        throw outboxError(err);
      }
      return { messageId: info.messageId, response: `written to ${file}` };
    });
  }

  async verify(): Promise<void> {
    try {
      await mkdir(this.outboxDir, { recursive: true });
      await access(this.outboxDir, fsConstants.W_OK);
    } catch (err) {
      throw outboxError(err);
    }
  }

  async close(): Promise<void> {
    await this.tracker.drain();
    this.composer.close();
  }
}

/** Counts sends in progress so close() can wait for them; refuses new ones once closing. */
class SendTracker {
  private closing = false;
  private readonly pending = new Set<Promise<void>>();

  run<T>(send: () => Promise<T>): Promise<T> {
    if (this.closing) {
      return Promise.reject(
        new MailSendError('temporary', 'mailer is closed', { code: 'ECLOSED' }),
      );
    }
    const result = send();
    const settled: Promise<void> = result.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(settled);
    void settled.then(() => this.pending.delete(settled));
    return result;
  }

  async drain(): Promise<void> {
    this.closing = true;
    while (this.pending.size > 0) {
      await Promise.all(this.pending);
    }
  }
}

// Headers the mailer owns; a caller setting them is a bug, not something to merge silently.
const RESERVED_HEADERS = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'sender',
  'subject',
  'date',
  'message-id',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'auto-submitted',
  'x-auto-response-suppress',
]);

/**
 * The message exactly as SmtpMailer sends it, composed once, and its SMTP envelope. With
 * `recipients: 'many'`, `to` may name several mailboxes (one tenant's contacts that share a
 * locale): one message, one RCPT TO each, each answered and recorded on its own.
 */
export async function composeMail(
  mail: OutgoingMail,
  recipients: 'one' | 'many' = 'one',
): Promise<{ raw: Buffer; envelope: { from: string; to: string[] }; messageId: string }> {
  const message = toMessageOptions(mail, recipients);
  try {
    const raw = await new MailComposer(message).compile().build();
    return { raw, envelope: envelopeOf(message), messageId: message.messageId as string };
  } catch (err) {
    throw toMailSendError(err);
  }
}

function toMessageOptions(mail: OutgoingMail, many: 'one' | 'many' = 'one'): SendMailOptions {
  const messageId = normalizeMessageId(mail.messageId);
  if (!(mail.date instanceof Date) || Number.isNaN(mail.date.getTime())) {
    throw new MailSendError('permanent', 'invalid message: date is not a valid Date', {
      code: 'EINVALID',
    });
  }
  const headers: Record<string, string> = {};
  for (const [rawName, rawValue] of Object.entries(mail.headers)) {
    const name = headerName(rawName);
    if (name === '') continue;
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      throw new MailSendError('permanent', `invalid message: header ${name} is set by the mailer`, {
        code: 'EINVALID',
      });
    }
    headers[name] = literalText(headerText(rawValue));
  }
  const to = headerText(mail.to);
  // One delivery is one recipient: a second address would make a partial success look like
  // a delivery, and a retry would send the accepted copies again.
  const recipients = addressparser(to, { flatten: true });
  if (
    (many === 'one' ? recipients.length !== 1 : recipients.length < 1) ||
    !recipients.every((r) => /^[^\s@<>]+@[^\s@<>]+$/.test(r.address))
  ) {
    throw new MailSendError('permanent', 'invalid message: to must be exactly one mailbox', {
      code: 'EINVALID',
    });
  }
  // RFC 3834 and Microsoft's equivalent: no out-of-office or read-receipt loops.
  headers['Auto-Submitted'] = 'auto-generated';
  headers['X-Auto-Response-Suppress'] = 'All';

  return {
    from: headerText(mail.from),
    to,
    subject: literalText(headerText(mail.subject)),
    // Encoded here in one pass each (nodemailer's rule for the transfer encoding); nodemailer
    // composes the headers and the multipart/alternative around them.
    text: mail.text ? { raw: textPart('text/plain', mail.text) } : undefined,
    html: mail.html ? { raw: textPart('text/html', mail.html) } : undefined,
    messageId,
    date: mail.date,
    headers,
    // Same Message-ID, same MIME boundaries: the bytes of a retried send do not change.
    baseBoundary: createHash('sha256').update(messageId).digest('hex').slice(0, 24),
    xMailer: false,
  };
}

/** The SMTP envelope nodemailer derives from the headers: the sender's and the one recipient's address. */
function envelopeOf(message: SendMailOptions): { from: string; to: string[] } {
  const from = addressparser(String(message.from), { flatten: true })[0]?.address ?? '';
  const to = addressparser(String(message.to), { flatten: true }).map((a) => a.address);
  return { from, to };
}

// nodemailer already folds CR/LF to spaces; this runs first so nothing depends on that.
function headerText(value: string): string {
  return String(value)
    .replace(/\s*[\r\n\u2028\u2029]+\s*/g, ' ')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
    .trim();
}

// RFC 2047: nodemailer passes a well-formed encoded-word through as it is, so "=?UTF-8?B?…?="
// in a title would reach the reader decoded, as text nobody reviewed. Such a value goes out
// B-encoded as a whole, which a mail client shows as exactly the characters it holds.
const ENCODED_WORD = /=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=/;
function literalText(value: string): string {
  return ENCODED_WORD.test(value) ? encodeWord(value, 'B', 52) : value;
}

// RFC 5322 field-name: printable US-ASCII except colon.
function headerName(name: string): string {
  return name.replace(/[^!-9;-~]/g, '');
}

function normalizeMessageId(value: string): string {
  const bare = headerText(value).replace(/^<|>$/g, '');
  if (!/^[^<>\s@]+@[^<>\s@]+$/.test(bare) || bare.length > 250) {
    throw new MailSendError('permanent', 'invalid message: messageId must look like <id@domain>', {
      code: 'EINVALID',
    });
  }
  return `<${bare}>`;
}

function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function fileNameFor(messageId: string): string {
  const name = messageId
    .replace(/^<|>$/g, '')
    .replace(/[^A-Za-z0-9._@+-]/g, '_')
    .replace(/^\.+/, '_');
  return name.slice(0, 200);
}

async function writeFileAtomically(dir: string, file: string, bytes: Buffer): Promise<void> {
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${randomUUID()}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o640);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

function outboxError(err: unknown): MailSendError {
  const code =
    typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string'
      ? (err as { code: string }).code
      : undefined;
  return new MailSendError('temporary', `outbox write failed${code ? ` (${code})` : ''}`, {
    code,
    cause: err,
  });
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function parseBoolean(key: string, value: string): boolean {
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  throw new Error(`smtpUrl: ${key} must be true or false`);
}

function positiveInt(key: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`smtpUrl: ${key} must be a positive integer`);
  return n;
}
