import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { JobPayloads, QUEUES, QueueName } from '../../common/queues/queue-names.js';
import { QueueWorker } from '../../common/queues/queue-worker.js';
import { AppConfig } from '../../config/app-config.js';
import { DeliveryService } from '../delivery.service.js';

/**
 * The fan-out and delivery queues' worker. Shutdown is ordered: waiting fan-outs give up their
 * slot, the sends in flight finish and are recorded, then the SMTP pool closes.
 */
@Injectable()
export class DeliveryWorker extends QueueWorker {
  constructor(
    private readonly delivery: DeliveryService,
    config: AppConfig,
  ) {
    super(config);
  }

  protected queues(): Array<{ name: QueueName; concurrency: number }> {
    return [
      { name: QUEUES.fanout, concurrency: 2 },
      { name: QUEUES.delivery, concurrency: this.config.get('DELIVERY_CONCURRENCY') },
    ];
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
      case 'retention':
      case 'reconcile':
        throw new Error(`job ${name} does not belong on the fan-out or delivery queue`);
    }
  }

  protected override beforeDrain(): void {
    this.logger.log({ msg: 'delivery workers draining' });
    this.delivery.stop();
  }

  protected override async afterDrain(): Promise<void> {
    await this.delivery.closeMailer();
    this.logger.log({ msg: 'delivery workers stopped' });
  }
}
