import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock/clock.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { IncidentsService } from '../incidents/incidents.service.js';
import { NoticesService } from '../notices/notices.service.js';
import { DeliveryRepository } from './delivery.repository.js';

/** A notice is sent when its fan-out is complete and nothing is left queued; its incident is delivered when no notice or delivery is open. */
@Injectable()
export class DeliveryCompletion {
  constructor(
    private readonly repository: DeliveryRepository,
    private readonly notices: NoticesService,
    private readonly incidents: IncidentsService,
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
  ) {}

  async completeIfDone(noticeId: string, incidentId: string): Promise<void> {
    await this.uow.run(async (manager) => {
      if (!(await this.repository.fanoutCompleted(noticeId, manager))) return;
      if (await this.repository.hasPending(manager, noticeId)) return;
      // The incident row first: the audit chain lock is always taken last.
      await this.incidents.lockForUpdate(manager, incidentId);
      await this.notices.markSent(manager, noticeId, this.clock.now());
      if (!(await this.repository.incidentHasOpenWork(manager, incidentId)))
        await this.incidents.moveStatus(manager, incidentId, 'delivered', 'system', ['delivering']);
    });
  }
}
