import {
  createTransport,
  type SMTPPoolOptions,
  type SMTPPoolSentMessageInfo,
  type Transporter,
} from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { DkimKey } from '../config/dkim-key.js';
import type { Mailer, OutgoingMail, SentMail } from './mailer.js';
import { dkimOption, envelopeOf, toMessageOptions } from './message-builder.js';
import { SendTracker } from './send-tracker.js';
import { toMailSendError } from './smtp-errors.js';

const DEFAULT_MAX_MESSAGES_PER_CONNECTION = 10_000;

/**
 * Translates an smtp(s):// URL into nodemailer pool options. Error messages never echo the URL.
 *
 * Query options: `tls=require|none|opportunistic` (STARTTLS policy, default opportunistic),
 * `rejectUnauthorized=false` (alias `tls.rejectUnauthorized`), `servername=…`, `pool=<n>`
 * (connections, overrides poolSize; `pool=true` is accepted), `maxMessages=<n>` (per
 * connection), `name=…` (EHLO name), `authMethod=PLAIN|LOGIN|CRAM-MD5`. Unknown options throw,
 * so a typo fails at boot rather than being ignored.
 */
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

/** A pooled SMTP client to the relay. */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter<SMTPPoolSentMessageInfo, SMTPPoolOptions>;
  private readonly tracker = new SendTracker();

  constructor(options: SMTPPoolOptions & { pool: true }, dkim?: DkimKey) {
    this.transport = createTransport({ ...options, ...dkimOption(dkim) });
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
