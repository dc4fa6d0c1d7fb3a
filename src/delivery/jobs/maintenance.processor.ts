import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { QUEUES } from '../../common/queues/queue-names.js';
import { AppConfig } from '../../config/app-config.js';
import { DeliveryService } from '../delivery.service.js';

/** The safety net: every RECONCILE_INTERVAL_MS, re-enqueue work that a crash left behind. */
@Processor(QUEUES.maintenance, { concurrency: 1 })
export class MaintenanceProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaintenanceProcessor.name);

  constructor(
    private readonly delivery: DeliveryService,
    private readonly config: AppConfig,
    @InjectQueue(QUEUES.maintenance) private readonly queue: Queue,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    // A job scheduler is one schedule however many workers start it.
    await this.queue.upsertJobScheduler('reconcile', { every: this.config.get('RECONCILE_INTERVAL_MS') }, { name: 'reconcile', data: {} });
  }

  async process(job: Job): Promise<unknown> {
    switch (job.name) {
      case 'reconcile':
        return this.delivery.reconcile(Math.max(this.config.get('DELIVERY_LEASE_MS'), this.config.get('RECONCILE_INTERVAL_MS')));
      default:
        this.logger.warn({ msg: 'unknown maintenance job', name: job.name });
        return undefined;
    }
  }
}
