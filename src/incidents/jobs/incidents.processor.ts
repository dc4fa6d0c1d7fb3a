import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { JobPayloads, QUEUES } from '../../common/queues/queue-names.js';
import { IncidentsService } from '../incidents.service.js';

@Processor(QUEUES.incidents, { concurrency: 2 })
export class IncidentsProcessor extends WorkerHost {
  private readonly logger = new Logger(IncidentsProcessor.name);

  constructor(private readonly incidents: IncidentsService) {
    super();
  }

  async process(job: Job): Promise<string> {
    switch (job.name) {
      case 'resolve-incident': {
        const data = job.data as JobPayloads['resolve-incident'];
        const outcome = await this.incidents.resolve(data.incidentId, data.scopeGeneration);
        if (outcome === 'stale') this.logger.log({ msg: 'stale resolution skipped', jobId: job.id, ...data });
        return outcome;
      }
      default:
        throw new Error(`unknown job ${job.name} on ${QUEUES.incidents}`);
    }
  }
}
