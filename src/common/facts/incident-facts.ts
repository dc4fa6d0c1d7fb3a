import { Injectable } from '@nestjs/common';
import type { DeliveryStatus } from '../domain/delivery-vocabulary.js';

/** delivery/ reports: the incident's deliveries by status, every status present. */
export type DeliveryCountsReader = (incidentId: string) => Promise<Record<DeliveryStatus, number>>;
/** notices/ reports: which of the given incidents have an initial notice drafted. */
export type InitialNoticeReader = (incidentIds: readonly string[]) => Promise<Set<string>>;

/**
 * Facts about an incident that features above incidents/ own (their tables, their words),
 * reported down to it through this port so that incidents/ neither imports them nor reads
 * their tables. Each owner registers its reader when its module starts.
 */
@Injectable()
export class IncidentFacts {
  private deliveryCountsReader?: DeliveryCountsReader;
  private initialNoticeReader?: InitialNoticeReader;

  reportDeliveryCounts(reader: DeliveryCountsReader): void {
    this.deliveryCountsReader = reader;
  }

  reportInitialNotices(reader: InitialNoticeReader): void {
    this.initialNoticeReader = reader;
  }

  deliveryCounts(incidentId: string): Promise<Record<DeliveryStatus, number>> {
    return this.required(this.deliveryCountsReader, 'delivery counts')(incidentId);
  }

  withInitialNotice(incidentIds: readonly string[]): Promise<Set<string>> {
    if (incidentIds.length === 0) return Promise.resolve(new Set());
    return this.required(this.initialNoticeReader, 'initial notices')(incidentIds);
  }

  private required<T>(reader: T | undefined, what: string): T {
    // A fault of the wiring, not of the request: the owning module was not loaded.
    if (reader === undefined) throw new Error(`no feature reports ${what} (module not loaded)`);
    return reader;
  }
}
