import { MailSendError } from './smtp-errors.js';

/** Counts sends in progress so close() can wait for them; refuses new ones once closing. */
export class SendTracker {
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
