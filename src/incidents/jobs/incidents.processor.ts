import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { JobPayloads, QUEUES, QueueName } from '../../common/queues/queue-names.js';
import { QueueWorker } from '../../common/queues/queue-worker.js';
import { unknownJob } from '../../common/queues/unknown-job.js';
import { AppConfig } from '../../config/app-config.js';
import { IncidentsService } from '../incidents.service.js';

@Injectable()
export class IncidentsProcessor extends QueueWorker {
  constructor(
    private readonly incidents: IncidentsService,
    config: AppConfig,
  ) {
    super(config);
  }

  protected queues(): Array<{ name: QueueName; concurrency: number }> {
    return [{ name: QUEUES.incidents, concurrency: 2 }];
  }

  async process(job: Job): Promise<string> {
    switch (job.name) {
      case 'resolve-incident': {
        const data = job.data as JobPayloads['resolve-incident'];
        const outcome = await this.incidents.resolve(data.incidentId, data.scopeGeneration);
        if (outcome === 'stale')
          this.logger.log({ msg: 'stale resolution skipped', jobId: job.id, ...data });
        return outcome;
      }
      default:
        return unknownJob(QUEUES.incidents, job);
    }
  }
}
