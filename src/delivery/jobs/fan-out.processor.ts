import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { JobName, JobPayloads, QUEUES, QueueName } from '../../common/queues/queue-names.js';
import { QueueWorker } from '../../common/queues/queue-worker.js';
import { unknownJob } from '../../common/queues/unknown-job.js';
import { AppConfig } from '../../config/app-config.js';
import { FanOutService } from '../fan-out.service.js';

/** The fan-out queue's worker: creates a notice's delivery records (sending is DeliverySender's). */
@Injectable()
export class FanOutProcessor extends QueueWorker {
  constructor(
    private readonly fanOut: FanOutService,
    config: AppConfig,
  ) {
    super(config);
  }

  protected queues(): Array<{ name: QueueName; concurrency: number }> {
    return [{ name: QUEUES.fanout, concurrency: 2 }];
  }

  async process(job: Job): Promise<unknown> {
    const name = job.name as JobName;
    switch (name) {
      case 'fan-out':
        return this.fanOut.fanOut((job.data as JobPayloads['fan-out']).noticeId);
      case 'resolve-incident':
      case 'incident-resolved':
      case 'deadline-watch':
      case 'retention':
      case 'reconcile':
      case 'contact-sweep':
        return unknownJob(QUEUES.fanout, job);
    }
    // A name no JobName matches (an older or newer Herald enqueued it).
    return unknownJob(QUEUES.fanout, job);
  }
}
