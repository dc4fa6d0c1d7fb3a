import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock/clock.js';
import { JobQueueService } from '../common/queues/job-queue.service.js';
import { IncidentsService } from '../incidents/incidents.service.js';
import { resumeFanOutJob } from './delivery-jobs.js';
import { DeliveryRepository } from './delivery.repository.js';

/**
 * The safety net for work a crash left between a commit and its enqueue: fan-outs that never
 * started or stopped moving, incidents whose resolution or drafting job went missing. Job ids are
 * deterministic, so a job that still exists is not added twice. Deliveries need no such net: a
 * dead worker's leases run out and the senders claim them again.
 */
@Injectable()
export class DeliveryReconciler {
  private readonly logger = new Logger(DeliveryReconciler.name);

  constructor(
    private readonly repository: DeliveryRepository,
    private readonly incidents: IncidentsService,
    private readonly jobs: JobQueueService,
    private readonly clock: Clock,
  ) {}

  async reconcile(graceMs: number): Promise<{ fanouts: number; incidents: number }> {
    const fanouts = await this.repository.stalledFanouts(graceMs, this.clock.now());
    for (const f of fanouts) await this.jobs.add(resumeFanOutJob(f.noticeId, f.pages));
    const incidents = await this.incidents.requeueStalled(graceMs);
    if (fanouts.length || incidents) {
      this.logger.warn({ msg: 'reconciled stalled work', fanouts: fanouts.length, incidents });
    }
    return { fanouts: fanouts.length, incidents };
  }
}
