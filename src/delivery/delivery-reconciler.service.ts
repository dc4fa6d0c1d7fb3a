import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock/clock.js';
import { JobQueueService } from '../common/queues/job-queue.service.js';
import { IncidentsService } from '../incidents/incidents.service.js';
import { DeliveryCompletion } from './delivery-completion.service.js';
import { resumeFanOutJob } from './delivery-jobs.js';
import { DeliveryRepository } from './delivery.repository.js';

/**
 * The safety net for work a crash left between a commit and its enqueue: fan-outs that never
 * started or stopped moving, incidents whose resolution or drafting job went missing, and
 * notices whose every delivery is recorded but whose completion check died with the process
 * that recorded the last of them (a SIGKILL in the 250 ms between the two left the notice
 * approved and the incident delivering for good). Job ids are deterministic, so a job that
 * still exists is not added twice. Deliveries need no such net: a dead worker's leases run out
 * and the senders claim them again.
 */
@Injectable()
export class DeliveryReconciler {
  private readonly logger = new Logger(DeliveryReconciler.name);

  constructor(
    private readonly repository: DeliveryRepository,
    private readonly incidents: IncidentsService,
    private readonly jobs: JobQueueService,
    private readonly clock: Clock,
    private readonly completion: DeliveryCompletion,
  ) {}

  async reconcile(
    graceMs: number,
  ): Promise<{ fanouts: number; incidents: number; completions: number }> {
    const now = this.clock.now();
    const fanouts = await this.repository.stalledFanouts(graceMs, now);
    for (const f of fanouts) await this.jobs.add(resumeFanOutJob(f.noticeId, f.pages));
    const incidents = await this.incidents.requeueStalled(graceMs);
    // The completion check is idempotent: it marks nothing while work is open.
    const uncompleted = await this.repository.uncompletedNotices(graceMs, now);
    for (const n of uncompleted) await this.completion.completeIfDone(n.noticeId, n.incidentId);
    if (fanouts.length || incidents || uncompleted.length) {
      this.logger.warn({
        msg: 'reconciled stalled work',
        fanouts: fanouts.length,
        incidents,
        completions: uncompleted.length,
      });
    }
    return { fanouts: fanouts.length, incidents, completions: uncompleted.length };
  }
}
