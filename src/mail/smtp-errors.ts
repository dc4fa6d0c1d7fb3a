import { classifySendError, type SendErrorKind } from './domain/send-error-classification.js';

export interface MailSendErrorDetails {
  responseCode?: number;
  /** nodemailer / Node error code, e.g. `EENVELOPE`, `ESOCKET`. */
  code?: string;
  /** The underlying error, for logs. Its message may quote the relay; never the body. */
  cause?: unknown;
}

/**
 * A failed send, classified. `kind` tells the delivery job whether to retry (`temporary`) or
 * to fail the delivery for good (`permanent`); `message` is the log-safe reason.
 */
export class MailSendError extends Error {
  override readonly name = 'MailSendError';
  readonly kind: SendErrorKind;
  readonly responseCode?: number;
  readonly code?: string;

  constructor(kind: SendErrorKind, reason: string, details: MailSendErrorDetails = {}) {
    super(reason, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    if (details.responseCode !== undefined) this.responseCode = details.responseCode;
    if (details.code !== undefined) this.code = details.code;
  }

  get temporary(): boolean {
    return this.kind === 'temporary';
  }
}

/** Wraps whatever a transport threw into a classified {@link MailSendError}. */
export function toMailSendError(err: unknown): MailSendError {
  if (err instanceof MailSendError) return err;
  const { kind, reason } = classifySendError(err);
  const shape = typeof err === 'object' && err !== null ? (err as Record<string, unknown>) : {};
  return new MailSendError(kind, reason, {
    responseCode: typeof shape.responseCode === 'number' ? shape.responseCode : undefined,
    code: typeof shape.code === 'string' ? shape.code : undefined,
    cause: err,
  });
}
