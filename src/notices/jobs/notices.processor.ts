import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { JobPayloads, QUEUES, QueueName } from '../../common/queues/queue-names.js';
import { QueueWorker } from '../../common/queues/queue-worker.js';
import { unknownJob } from '../../common/queues/unknown-job.js';
import { AppConfig } from '../../config/app-config.js';
import { NoticesService } from '../notices.service.js';

@Injectable()
export class NoticesProcessor extends QueueWorker {
  constructor(
    private readonly notices: NoticesService,
    config: AppConfig,
  ) {
    super(config);
  }

  protected queues(): Array<{ name: QueueName; concurrency: number }> {
    return [{ name: QUEUES.notices, concurrency: 4 }];
  }

  async process(job: Job): Promise<void> {
    switch (job.name) {
      case 'incident-resolved': {
        const data = job.data as JobPayloads['incident-resolved'];
        await this.notices.onIncidentResolved(data.incidentId);
        return;
      }
      default:
        return unknownJob(QUEUES.notices, job);
    }
  }
}
