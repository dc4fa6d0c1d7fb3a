import { UnrecoverableError, type Job } from 'bullmq';
import type { QueueName } from './queue-names.js';

/**
 * The one rule for a job a queue's processor does not handle (a misrouted or unknown name):
 * it fails at once, without retries (retrying cannot make it belong), naming job and queue.
 */
export function unknownJob(queue: QueueName, job: Pick<Job, 'name' | 'id'>): never {
  throw new UnrecoverableError(
    `job ${job.name} (${job.id ?? 'no id'}) does not belong on the ${queue} queue`,
  );
}
