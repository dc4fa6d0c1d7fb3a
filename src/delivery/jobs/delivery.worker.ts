import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import { JobPayloads, QUEUES } from '../../common/queues/queue-names.js';
import { AppConfig } from '../../config/app-config.js';
import { DeliveryService } from '../delivery.service.js';

/**
 * The delivery queue's worker, built by hand so that its lock, stall detection and concurrency
 * come from the validated config, and so that shutdown is ordered: stop taking jobs, let the
 * sends in flight finish and be recorded, then close the SMTP pool.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryWorker.name);
  private worker: Worker | null = null;

  constructor(
    private readonly delivery: DeliveryService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const lockMs = this.config.get('WORKER_LOCK_MS');
    this.worker = new Worker(QUEUES.delivery, (job: Job) => this.process(job), {
      connection: { url: this.config.get('REDIS_URL'), maxRetriesPerRequest: null },
      prefix: this.config.get('QUEUE_PREFIX'),
      concurrency: this.config.get('DELIVERY_CONCURRENCY'),
      lockDuration: lockMs,
      stalledInterval: lockMs,
      maxStalledCount: 10,
    });
    this.worker.on('failed', (job, err) => this.logger.warn({ msg: 'delivery job failed', jobId: job?.id, name: job?.name, attempts: job?.attemptsMade, error: err.message }));
    this.worker.on('error', (err) => this.logger.error({ msg: 'delivery worker error', error: err.message }));
  }

  async process(job: Job): Promise<unknown> {
    const name = job.name as keyof JobPayloads;
    switch (name) {
      case 'fan-out':
        return this.delivery.fanOut((job.data as JobPayloads['fan-out']).noticeId);
      case 'send-batch':
        return this.delivery.send((job.data as JobPayloads['send-batch']).deliveryIds);
      case 'send-one':
        return this.delivery.send([(job.data as JobPayloads['send-one']).deliveryId]);
      case 'resolve-incident':
      case 'incident-resolved':
      case 'deadline-watch':
      case 'reconcile':
        throw new Error(`job ${name} does not belong on ${QUEUES.delivery}`);
    }
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    if (!this.worker) return;
    this.logger.log({ msg: 'delivery worker draining', signal });
    await this.worker.close();
    await this.delivery.closeMailer();
    this.logger.log({ msg: 'delivery worker stopped' });
  }
}
