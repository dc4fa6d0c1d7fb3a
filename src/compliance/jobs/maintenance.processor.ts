import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { JobName, QUEUES, QueueName } from '../../common/queues/queue-names.js';
import { QueueWorker } from '../../common/queues/queue-worker.js';
import { unknownJob } from '../../common/queues/unknown-job.js';
import { AppConfig } from '../../config/app-config.js';
import { DeliveryReconciler } from '../../delivery/delivery-reconciler.service.js';
import { DeadlineWatchService } from '../deadline-watch.service.js';
import { RetentionService } from '../retention.service.js';

const DAY_MS = 86_400_000;

/**
 * The maintenance queue's one worker (it sits at the top of the imports, so it may call every
 * feature): the reconcile safety net, the deadline watch and, when RETENTION_DAYS is set, the
 * daily retention run, each on its own job scheduler.
 */
@Injectable()
export class MaintenanceProcessor extends QueueWorker {
  constructor(
    private readonly delivery: DeliveryReconciler,
    private readonly deadlines: DeadlineWatchService,
    private readonly retention: RetentionService,
    config: AppConfig,
    @InjectQueue(QUEUES.maintenance) private readonly queue: Queue,
  ) {
    super(config);
  }

  protected queues(): Array<{ name: QueueName; concurrency: number }> {
    return [{ name: QUEUES.maintenance, concurrency: 1 }];
  }

  protected override async beforeStart(): Promise<void> {
    // A job scheduler is one schedule however many workers start it.
    await this.queue.upsertJobScheduler(
      'reconcile',
      { every: this.config.get('RECONCILE_INTERVAL_MS') },
      { name: 'reconcile', data: {} },
    );
    await this.queue.upsertJobScheduler(
      'deadline-watch',
      { every: this.config.get('DEADLINE_WATCH_INTERVAL_MS') },
      { name: 'deadline-watch', data: {} },
    );
    if (this.retention.enabled) {
      await this.queue.upsertJobScheduler(
        'retention',
        { every: DAY_MS },
        { name: 'retention', data: {} },
      );
    } else {
      await this.queue.removeJobScheduler('retention');
    }
  }

  async process(job: Job): Promise<unknown> {
    const name = job.name as JobName;
    switch (name) {
      case 'reconcile':
        return this.delivery.reconcile(
          Math.max(this.config.get('DELIVERY_LEASE_MS'), this.config.get('RECONCILE_INTERVAL_MS')),
        );
      case 'deadline-watch':
        return this.deadlines.run();
      case 'retention':
        return this.retention.run();
      case 'resolve-incident':
      case 'incident-resolved':
      case 'fan-out':
      case 'contact-sweep':
        return unknownJob(QUEUES.maintenance, job);
    }
    // A name no JobName matches (an older or newer Herald enqueued it).
    return unknownJob(QUEUES.maintenance, job);
  }
}
