import { randomUUID } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createTransport,
  type StreamSentMessageInfo,
  type StreamTransportOptions,
  type Transporter,
} from 'nodemailer';
import type { DkimKey } from '../config/dkim-key.js';
import type { Mailer, OutgoingMail, SentMail } from './mailer.js';
import { dkimOption, toMessageOptions } from './message-builder.js';
import { SendTracker } from './send-tracker.js';
import { MailSendError, toMailSendError } from './smtp-errors.js';

/** Writes each message as `<outboxDir>/<yyyy-mm-dd>/<message-id>.eml` (RFC 5322, CRLF) instead of sending it. */
export class OutboxMailer implements Mailer {
  private readonly composer: Transporter<StreamSentMessageInfo, StreamTransportOptions>;
  private readonly tracker = new SendTracker();

  constructor(
    private readonly outboxDir: string,
    dkim?: DkimKey,
  ) {
    this.composer = createTransport({
      ...dkimOption(dkim),
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
