import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { JobsOptions, Queue } from 'bullmq';
import {
  DEFAULT_JOB_OPTIONS,
  JOB_QUEUE,
  JobName,
  JobPayloads,
  QUEUES,
  QueueName,
} from './queue-names.js';
import { closeQueueConnection } from './queue-connection.js';

export interface TypedJob<J extends JobName> {
  name: J;
  data: JobPayloads[J];
  /** Deterministic: the same work always gets the same id, so a second add is a no-op (no ":" allowed). */
  jobId: string;
  opts?: Omit<JobsOptions, 'jobId'>;
}

/** The only way to enqueue: a job name decides its queue and its payload type. */
@Injectable()
export class JobQueueService implements OnApplicationShutdown {
  private readonly queues: Record<QueueName, Queue>;

  constructor(
    @InjectQueue(QUEUES.incidents) incidents: Queue,
    @InjectQueue(QUEUES.notices) notices: Queue,
    @InjectQueue(QUEUES.fanout) fanout: Queue,
    @InjectQueue(QUEUES.maintenance) maintenance: Queue,
    @InjectQueue(QUEUES.contacts) contacts: Queue,
  ) {
    this.queues = { incidents, notices, fanout, maintenance, contacts };
  }

  /** The queues share one connection; on a cluster it is a client of ours to close (after they closed). */
  async onApplicationShutdown(): Promise<void> {
    await closeQueueConnection(this.queues.incidents.opts.connection);
  }

  queue(name: QueueName): Queue {
    return this.queues[name];
  }

  async add<J extends JobName>(job: TypedJob<J>): Promise<void> {
    await this.queues[JOB_QUEUE[job.name]].add(job.name, job.data, {
      ...DEFAULT_JOB_OPTIONS,
      ...job.opts,
      jobId: job.jobId,
    });
  }

  /** Adds many jobs of one name in one round trip per queue. */
  async addBulk<J extends JobName>(jobs: Array<TypedJob<J>>): Promise<void> {
    if (jobs.length === 0) return;
    const queue = this.queues[JOB_QUEUE[jobs[0].name]];
    await queue.addBulk(
      jobs.map((job) => ({
        name: job.name,
        data: job.data,
        opts: { ...DEFAULT_JOB_OPTIONS, ...job.opts, jobId: job.jobId },
      })),
    );
  }
}
