import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock/clock.js';
import { notFound } from '../common/errors.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { FeedService } from '../delivery/feed.service.js';
import { AcknowledgementRow, AcknowledgementsRepository } from './acknowledgements.repository.js';

export interface AcknowledgementView {
  noticeId: string;
  tenantId: string;
  acknowledgedAt: string;
  acknowledgedBy: string;
}

/** Who acknowledges: the audit actor (person:<email> or a key's name) and how reports name them. */
export interface Acknowledger {
  actor: string;
  displayName: string;
}

export const toAcknowledgementView = (row: AcknowledgementRow): AcknowledgementView => ({
  noticeId: row.noticeId,
  tenantId: row.tenantId,
  acknowledgedAt: row.acknowledgedAt.toISOString(),
  acknowledgedBy: row.acknowledgedBy,
});

/** Tenants acknowledging the notices they were sent (API, portal); compliance reads them here. */
@Injectable()
export class AcknowledgementsService {
  constructor(
    private readonly repository: AcknowledgementsRepository,
    private readonly feeds: FeedService,
    private readonly audit: AuditService,
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
  ) {}

  /**
   * Records the tenant's acknowledgement, or returns its first one unchanged. A notice never
   * sent to this tenant is a 404 (the same answer as a notice that does not exist).
   */
  async acknowledge(
    noticeId: string,
    tenantId: string,
    by: Acknowledger,
  ): Promise<AcknowledgementView> {
    const sent = await this.feeds.sentTo(noticeId, tenantId);
    if (!sent) throw notFound('Notice sent to this tenant', noticeId);
    const row = await this.uow.run(async (manager) => {
      const created = await this.repository.insertFirst(manager, {
        noticeId,
        incidentId: sent.incidentId,
        tenantId,
        acknowledgedAt: this.clock.now(),
        acknowledgedBy: by.displayName,
        actor: by.actor,
      });
      if (!created) return this.repository.find(manager, noticeId, tenantId);
      await this.audit.append(manager, [
        {
          actor: by.actor,
          action: 'notice.acknowledged',
          entityType: 'acknowledgement',
          entityId: noticeId,
          incidentId: sent.incidentId,
          change: {
            noticeId,
            tenantId,
            acknowledgedAt: created.acknowledgedAt.toISOString(),
            acknowledgedBy: by.displayName,
          },
        },
      ]);
      return created;
    });
    if (!row) throw new Error(`acknowledgement of ${noticeId} by ${tenantId} vanished`);
    return toAcknowledgementView(row);
  }

  /** Per tenant of the incident: its first acknowledgement (of any of the incident's notices). */
  async firstPerTenant(
    incidentId: string,
    tenantIds: string[],
  ): Promise<Map<string, AcknowledgementView>> {
    const rows = await this.repository.firstPerTenant(incidentId, tenantIds);
    return new Map(rows.map((r) => [r.tenantId, toAcknowledgementView(r)]));
  }

  /** The tenant's acknowledgements of these notices, by notice id. */
  async ofNotices(
    tenantId: string,
    noticeIds: string[],
  ): Promise<Map<string, AcknowledgementView>> {
    const rows = await this.repository.ofNotices(tenantId, noticeIds);
    return new Map(rows.map((r) => [r.noticeId, toAcknowledgementView(r)]));
  }
}
