import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { JobPayloads, QUEUES } from '../../common/queues/queue-names.js';
import { NoticesService } from '../notices.service.js';

@Processor(QUEUES.notices, { concurrency: 4 })
export class NoticesProcessor extends WorkerHost {
  constructor(private readonly notices: NoticesService) {
    super();
  }

  async process(job: Job): Promise<void> {
    switch (job.name) {
      case 'incident-resolved': {
        const data = job.data as JobPayloads['incident-resolved'];
        await this.notices.onIncidentResolved(data.incidentId);
        return;
      }
      default:
        throw new Error(`unknown job ${job.name} on ${QUEUES.notices}`);
    }
  }
}
