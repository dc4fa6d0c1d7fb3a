import type { TypedJob } from '../common/queues/job-queue.service.js';

// Every job delivery enqueues, with its deterministic id, in one place. Sends are not jobs:
// workers claim queued deliveries from Postgres in deadline order (DeliverySender), and a
// delivery's retries are its next_attempt_at (domain/delivery-outcome.ts), not job attempts.
// Fan-out jobs take the pipeline's retry policy (DEFAULT_JOB_OPTIONS in queue-names.ts).

/** Resume (or start) a notice's fan-out; `pages` (how far it came) tells one stalled attempt from the next. */
export function resumeFanOutJob(noticeId: string, pages: number): TypedJob<'fan-out'> {
  return { name: 'fan-out', data: { noticeId }, jobId: `fanout.${noticeId}.p${pages}` };
}
