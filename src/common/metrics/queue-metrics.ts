import { Injectable, OnModuleInit } from '@nestjs/common';
import { JobQueueService } from '../queues/job-queue.service.js';
import { QUEUES } from '../queues/queue-names.js';
import { MetricsService, type QueueSample } from './metrics.service.js';

// Jobs that are ready and wait for a worker; delayed ones (backoff, schedules) are not late yet.
const READY_STATES = ['waiting', 'prioritized'] as const;
const COUNTED_STATES = [...READY_STATES, 'active', 'delayed', 'failed'] as const;

/** Samples every BullMQ queue when /metrics is scraped: job counts and the oldest ready job's age. */
@Injectable()
export class QueueMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly jobs: JobQueueService,
  ) {}

  onModuleInit(): void {
    this.metrics.observeQueues(() => this.sample());
  }

  async sample(): Promise<QueueSample[]> {
    return Promise.all(
      Object.values(QUEUES).map(async (name) => {
        const queue = this.jobs.queue(name);
        const [counts, oldest] = await Promise.all([
          queue.getJobCounts(...COUNTED_STATES),
          // Oldest first: at most one job of each ready state.
          queue.getJobs([...READY_STATES], 0, 0, true),
        ]);
        // A job became ready at its creation plus its delay. Both are BullMQ's own wall-clock
        // readings, so the age is measured on the same clock (an operational duration, not
        // business time).
        const readySince = oldest
          .filter((job) => job !== undefined)
          .map((job) => job.timestamp + (job.delay ?? 0));
        return {
          queue: name,
          counts,
          oldestReadyAgeSeconds: readySince.length
            ? Math.max(0, (Date.now() - Math.min(...readySince)) / 1000)
            : 0,
        };
      }),
    );
  }
}
