import { Injectable } from '@nestjs/common';
import { requiredReader } from './required-reader.js';

/** A contact address whose latest notice email bounced. */
export interface BouncedAddress {
  /** Lower-cased, as the contacts feature keys addresses. */
  email: string;
  bouncedAt: Date;
  /** The delivery status notification's diagnostic, one line. */
  diagnostic: string | null;
}

/** delivery/ reports: per tenant, the addresses whose latest notice email bounced. */
export type BouncedAddressesReader = (
  tenantIds: readonly string[],
) => Promise<Map<string, BouncedAddress[]>>;

/** delivery/ reports: whether notice emails are queued now (an incident is being delivered). */
export type NoticeEmailsQueuedReader = () => Promise<boolean>;

/**
 * Facts about tenants' contact addresses that delivery/ owns (the deliveries table), reported
 * down to contacts/ through this port so that contacts/ neither imports delivery/ nor reads its
 * table. The delivery module registers its reader when it starts.
 */
@Injectable()
export class ContactFacts {
  private bouncedReader?: BouncedAddressesReader;
  private queuedReader?: NoticeEmailsQueuedReader;

  reportBouncedAddresses(reader: BouncedAddressesReader): void {
    this.bouncedReader = reader;
  }

  reportNoticeEmailsQueued(reader: NoticeEmailsQueuedReader): void {
    this.queuedReader = reader;
  }

  /** Whether notice emails wait to be sent: the contact sweep then leaves the relay to them. */
  noticeEmailsQueued(): Promise<boolean> {
    return requiredReader(this.queuedReader, 'queued notice emails')();
  }

  bouncedAddresses(tenantIds: readonly string[]): Promise<Map<string, BouncedAddress[]>> {
    if (tenantIds.length === 0) return Promise.resolve(new Map());
    return requiredReader(this.bouncedReader, 'bounced addresses')(tenantIds);
  }
}
