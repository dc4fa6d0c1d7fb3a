import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { QUEUES, QueueName } from '../../common/queues/queue-names.js';
import { QueueWorker } from '../../common/queues/queue-worker.js';
import { unknownJob } from '../../common/queues/unknown-job.js';
import { AppConfig } from '../../config/app-config.js';
import { ContactsService } from '../contacts.service.js';

/**
 * The contacts queue's worker: one job scheduler runs the sweep every CONTACT_SWEEP_INTERVAL_MS
 * (however many workers start it; 0 removes it); what is due is decided on the injected clock.
 */
@Injectable()
export class ContactsProcessor extends QueueWorker {
  constructor(
    private readonly contacts: ContactsService,
    config: AppConfig,
    @InjectQueue(QUEUES.contacts) private readonly queue: Queue,
  ) {
    super(config);
  }

  protected queues(): Array<{ name: QueueName; concurrency: number }> {
    return [{ name: QUEUES.contacts, concurrency: 1 }];
  }

  protected override async beforeStart(): Promise<void> {
    const every = this.config.get('CONTACT_SWEEP_INTERVAL_MS');
    if (every === 0) {
      await this.queue.removeJobScheduler('contact-sweep');
      return;
    }
    await this.queue.upsertJobScheduler(
      'contact-sweep',
      { every },
      { name: 'contact-sweep', data: {} },
    );
  }

  async process(job: Job): Promise<unknown> {
    switch (job.name) {
      case 'contact-sweep':
        return this.contacts.sweep();
      default:
        return unknownJob(QUEUES.contacts, job);
    }
  }
}
