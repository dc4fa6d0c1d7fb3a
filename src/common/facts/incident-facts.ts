import { Injectable } from '@nestjs/common';
import type { DeliveryStatus } from '../domain/delivery-vocabulary.js';
import { requiredReader } from './required-reader.js';

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
    return requiredReader(this.deliveryCountsReader, 'delivery counts')(incidentId);
  }

  withInitialNotice(incidentIds: readonly string[]): Promise<Set<string>> {
    if (incidentIds.length === 0) return Promise.resolve(new Set());
    return requiredReader(this.initialNoticeReader, 'initial notices')(incidentIds);
  }
}
