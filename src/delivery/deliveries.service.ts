import { Injectable, OnModuleInit } from '@nestjs/common';
import type { DeliveryStatus } from '../common/domain/delivery-vocabulary.js';
import { type BouncedAddress, ContactFacts } from '../common/facts/contact-facts.js';
import { IncidentFacts } from '../common/facts/incident-facts.js';
import { keysetPages } from '../common/list-responder.js';
import {
  DeliveryFilter,
  DeliveryRepository,
  DeliveryRow,
  IncidentBacklogRow,
} from './delivery.repository.js';

export type { DeliveryFilter, DeliveryRow, IncidentBacklogRow } from './delivery.repository.js';

/** What other features and the controllers read of the delivery records. */
@Injectable()
export class DeliveriesService implements OnModuleInit {
  constructor(
    private readonly repository: DeliveryRepository,
    private readonly facts: IncidentFacts,
    private readonly contactFacts: ContactFacts,
  ) {}

  /** The incident view's delivery counts are reported to incidents/ from here. */
  onModuleInit(): void {
    this.facts.reportDeliveryCounts((incidentId) => this.countsByStatus(incidentId));
    this.contactFacts.reportBouncedAddresses((tenantIds) => this.bouncedAddresses(tenantIds));
    this.contactFacts.reportNoticeEmailsQueued(() => this.repository.emailsQueued());
  }

  /** Per tenant, the addresses whose latest notice email bounced (the operators' contact report). */
  async bouncedAddresses(tenantIds: readonly string[]): Promise<Map<string, BouncedAddress[]>> {
    const out = new Map<string, BouncedAddress[]>();
    for (const { tenantId, ...address } of await this.repository.bouncedAddresses(tenantIds)) {
      const list = out.get(tenantId);
      if (list) list.push(address);
      else out.set(tenantId, [address]);
    }
    return out;
  }

  /** Deliveries matching the filter, oldest first (queued_at, id), after the keyset cursor. */
  find(
    filter: DeliveryFilter,
    limit: number,
    after?: { queuedAt: string; id: string },
  ): Promise<DeliveryRow[]> {
    return this.repository.find(filter, limit, after);
  }

  /** Every matching delivery, a page of `pageSize` at a time (CSV exports). */
  pages(filter: DeliveryFilter, pageSize: number): AsyncIterable<DeliveryRow[]> {
    return keysetPages(
      (after: { queuedAt: string; id: string } | undefined, limit) =>
        this.repository.find(filter, limit, after),
      pageSize,
      (last) => ({ queuedAt: last.queuedAtKey, id: last.id }),
    );
  }

  backlog(now: Date, incidentId?: string): Promise<IncidentBacklogRow[]> {
    return this.repository.backlog(now, incidentId);
  }

  /** The incident's deliveries by status, every status present (0 when none). */
  countsByStatus(incidentId: string): Promise<Record<DeliveryStatus, number>> {
    return this.repository.countsByStatus({ incidentId });
  }

  /** One notice's deliveries by status, every status present (0 when none). */
  noticeCountsByStatus(noticeId: string): Promise<Record<DeliveryStatus, number>> {
    return this.repository.countsByStatus({ noticeId });
  }

  /** Per incident, the earliest deadline of a tenant not told yet (null: none unmet). */
  earliestUnsentDueAt(incidentIds: readonly string[]): Promise<Map<string, Date | null>> {
    return this.repository.earliestUnsentDueAt(incidentIds);
  }
}
