import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import { AppConfig } from '../../config/app-config.js';
import { closeQueueConnection, queueConnection, queuePrefix } from './queue-connection.js';
import type { QueueName } from './queue-names.js';

/**
 * A queue's worker that runs only where HERALD_ROLE is worker or all, with its lock and stall
 * detection from the validated config. Closing waits for the jobs in flight (graceful shutdown).
 */
export abstract class QueueWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  protected readonly logger = new Logger(this.constructor.name);
  private workers: Worker[] = [];

  protected constructor(protected readonly config: AppConfig) {}

  /** The queues this class consumes, with their concurrency. */
  protected abstract queues(): Array<{ name: QueueName; concurrency: number }>;

  abstract process(job: Job): Promise<unknown>;

  /** Runs once where workers run, before the workers start (e.g. job schedulers). */
  protected async beforeStart(): Promise<void> {}

  /** Runs when shutdown begins, before the workers drain. */
  protected beforeDrain(): void {}

  /** Runs after the workers drained. */
  protected async afterDrain(): Promise<void> {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runsWorkers) return;
    await this.beforeStart();
    const lockMs = this.config.get('WORKER_LOCK_MS');
    this.workers = this.queues().map(({ name, concurrency }) => {
      const worker = new Worker(name, (job: Job) => this.process(job), {
        connection: queueConnection(this.config),
        prefix: queuePrefix(this.config),
        concurrency,
        lockDuration: lockMs,
        stalledInterval: lockMs,
        maxStalledCount: 10,
      });
      worker.on('failed', (job, err) =>
        this.logger.warn({
          msg: 'job failed',
          queue: name,
          jobId: job?.id,
          name: job?.name,
          attempts: job?.attemptsMade,
          error: err.message,
        }),
      );
      worker.on('error', (err) =>
        this.logger.error({ msg: 'worker error', queue: name, error: err.message }),
      );
      return worker;
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.workers.length) return;
    this.beforeDrain();
    await Promise.all(
      this.workers.map(async (w) => {
        await w.close();
        await closeQueueConnection(w.opts.connection);
      }),
    );
    this.workers = [];
    await this.afterDrain();
  }
}
