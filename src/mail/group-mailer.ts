import type { DkimKey } from '../config/dkim-key.js';
import { smtpPoolOptionsFromUrl, type Mailer, type OutgoingMail } from './mailer.js';
import { composeMail, type BodyHoles } from './message-builder.js';
import { MailSendError } from './smtp-errors.js';
import { SmtpPipelinePool, type RecipientOutcome } from './smtp-pipeline-client.js';

export type { RecipientOutcome } from './smtp-pipeline-client.js';

/** One rendered message for one or more mailboxes (one tenant's contacts that read the same locale). */
export interface GroupMail extends Omit<OutgoingMail, 'to'> {
  to: string[];
  /** The bodies as parts with one value in their holes (they add up to `text` and `html`). */
  holes?: BodyHoles;
}

export interface GroupSent {
  messageId: string;
  /** One per recipient, in the order of `to`. */
  outcomes: RecipientOutcome[];
}

/**
 * The delivery hot path's mailer: one message per group, one RCPT TO per recipient, each
 * recipient's answer its own outcome.
 */
export interface GroupMailer {
  /** Most recipients one message may carry (1: the transport cannot report them one by one). */
  readonly maxRecipients: number;
  /** Rejects with a classified MailSendError only when the message as a whole failed. */
  sendGroup(mail: GroupMail): Promise<GroupSent>;
  close(): Promise<void>;
}

const MAX_RECIPIENTS = 50;

/**
 * Plain or TLS SMTP without credentials: the pipelining pool. Otherwise (AUTH, or the outbox
 * directory) one message per recipient through `fallback`, the process's Mailer.
 */
export function createGroupMailer(
  options: { smtpUrl?: string; poolSize: number; timeoutMs: number; dkim?: DkimKey },
  fallback: Mailer,
): GroupMailer {
  const url = options.smtpUrl?.trim();
  if (url) {
    const pool = smtpPoolOptionsFromUrl(url, options);
    if (!pool.auth) {
      return new PipelineGroupMailer(
        new SmtpPipelinePool({
          host: pool.host!,
          port: Number(pool.port ?? (pool.secure ? 465 : 25)),
          secure: pool.secure ?? false,
          starttls: pool.requireTLS ? 'require' : pool.ignoreTLS ? 'none' : 'opportunistic',
          tls: pool.tls,
          name: pool.name,
          connections: pool.maxConnections ?? options.poolSize,
          maxMessagesPerConnection: pool.maxMessages ?? 10_000,
          timeoutMs: options.timeoutMs,
        }),
        options.dkim,
      );
    }
  }
  return new OneByOneGroupMailer(fallback);
}

class PipelineGroupMailer implements GroupMailer {
  readonly maxRecipients = MAX_RECIPIENTS;

  constructor(
    private readonly pool: SmtpPipelinePool,
    private readonly dkim?: DkimKey,
  ) {}

  async sendGroup(mail: GroupMail): Promise<GroupSent> {
    // Signed as a whole (DKIM) before the pool sees it; MAIL FROM is the message's return path.
    const { holes, ...outgoing } = mail;
    const composed = await composeMail(
      { ...outgoing, to: mail.to.join(', ') },
      'many',
      this.dkim,
      holes,
    );
    const outcomes = await this.pool.send(
      { from: composed.envelope.from, to: mail.to },
      composed.raw,
    );
    return { messageId: composed.messageId, outcomes };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

class OneByOneGroupMailer implements GroupMailer {
  readonly maxRecipients = 1;

  constructor(private readonly mailer: Mailer) {}

  async sendGroup(mail: GroupMail): Promise<GroupSent> {
    if (mail.to.length !== 1) {
      throw new MailSendError('permanent', 'invalid message: to must be exactly one mailbox', {
        code: 'EINVALID',
      });
    }
    const { holes: _holes, ...outgoing } = mail;
    const sent = await this.mailer.send({ ...outgoing, to: mail.to[0] });
    return {
      messageId: sent.messageId,
      outcomes: [{ rcpt: mail.to[0], accepted: true, response: sent.response }],
    };
  }

  // The fallback is the process's Mailer: whoever provides it closes it.
  async close(): Promise<void> {}
}
