import type { JobsOptions } from 'bullmq';

/** Every queue Herald uses. Workers for each run where HERALD_ROLE is worker or all. */
export const QUEUES = {
  incidents: 'incidents',
  notices: 'notices',
  // Fan-outs create delivery records; senders claim those from Postgres, not from a queue.
  fanout: 'fanout',
  maintenance: 'maintenance',
  contacts: 'contacts',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** Each job name tied to its payload and queue. Payloads carry ids; workers reload state. */
export interface JobPayloads {
  'resolve-incident': { incidentId: string; scopeGeneration: number };
  // Resolution finished for this scope generation: draft the initial notice, or fan approved
  // notices out to the tenants a wider scope added.
  'incident-resolved': { incidentId: string; scopeGeneration: number };
  'fan-out': { noticeId: string };
  // Maintenance (job schedulers): tenants near or past their notice deadline; RETENTION_DAYS purge.
  'deadline-watch': Record<string, never>;
  retention: Record<string, never>;
  reconcile: Record<string, never>;
  // Contacts (job scheduler): verify new addresses, ask verified ones to re-confirm.
  'contact-sweep': Record<string, never>;
}
export type JobName = keyof JobPayloads;

export const JOB_QUEUE: { [J in JobName]: QueueName } = {
  'resolve-incident': QUEUES.incidents,
  'incident-resolved': QUEUES.notices,
  'fan-out': QUEUES.fanout,
  'deadline-watch': QUEUES.maintenance,
  retention: QUEUES.maintenance,
  reconcile: QUEUES.maintenance,
  'contact-sweep': QUEUES.contacts,
};

/** One retry and retention policy for pipeline jobs (deliveries retry per recipient: src/delivery/domain/delivery-outcome.ts). */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};
