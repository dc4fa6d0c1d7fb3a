// What "told in time" means, decided once. The compliance SQL (compliance.sql.ts) computes the
// same definitions in aggregate; the integration specs check that both agree.

/** What the deadline watch reports once per tenant: near or past its deadline untold, or no email of it arrived. */
export type DeadlineAlertState = 'near' | 'missed' | 'undeliverable';
export type DeadlineState = 'notified' | 'ok' | 'near' | 'missed';

/** The delivery facts of one tenant for one incident that decide whether it was told. */
export interface TenantDeliveryFacts {
  channel: 'email' | 'dashboard' | 'webhook';
  status: 'queued' | 'sent' | 'failed' | 'bounced';
  sentAt: Date | null;
}

export interface TenantOutcome {
  /**
   * Earliest sent email or webhook call (sent: the endpoint answered 2xx); the dashboard post
   * only when the tenant had neither.
   */
  firstSentAt: Date | null;
  firstSentChannel: 'email' | 'dashboard' | 'webhook' | null;
  /** true: told by the deadline; false: told late, or not told and the deadline passed; null: not told, not yet due. */
  metDeadline: boolean | null;
  /** The tenant had email deliveries and every one of them failed or bounced. */
  undeliverable: boolean;
}

function earliest(dates: Array<Date | null>): Date | null {
  let min: Date | null = null;
  for (const d of dates) if (d && (!min || d.getTime() < min.getTime())) min = d;
  return min;
}

export function tenantOutcome(
  deliveries: TenantDeliveryFacts[],
  noticeDueAt: Date,
  now: Date,
): TenantOutcome {
  const emails = deliveries.filter((d) => d.channel === 'email');
  const pushed = deliveries.filter((d) => d.channel !== 'dashboard');
  const counting = pushed.length > 0 ? pushed : deliveries.filter((d) => d.channel === 'dashboard');
  const sent = counting.filter((d) => d.status === 'sent');
  const firstSentAt = earliest(sent.map((d) => d.sentAt));
  return {
    firstSentAt,
    firstSentChannel: firstSentAt
      ? sent.find((d) => d.sentAt?.getTime() === firstSentAt.getTime())!.channel
      : null,
    metDeadline: metDeadline(firstSentAt, noticeDueAt, now),
    // A bounced email was accepted by the relay and never arrived: no notice to that contact.
    undeliverable:
      emails.length > 0 && emails.every((d) => d.status === 'failed' || d.status === 'bounced'),
  };
}

export function metDeadline(
  firstSentAt: Date | null,
  noticeDueAt: Date,
  now: Date,
): boolean | null {
  if (firstSentAt) return firstSentAt.getTime() <= noticeDueAt.getTime();
  return noticeDueAt.getTime() < now.getTime() ? false : null;
}

/**
 * Where a tenant that has not been told stands: `missed` once the deadline has passed, `near`
 * when less than `warnFraction` of the window from awareAt to the deadline is left.
 */
export function deadlineState(input: {
  awareAt: Date;
  noticeDueAt: Date;
  notified: boolean;
  now: Date;
  warnFraction: number;
}): DeadlineState {
  if (input.notified) return 'notified';
  const due = input.noticeDueAt.getTime();
  const now = input.now.getTime();
  if (due < now) return 'missed';
  const window = due - input.awareAt.getTime();
  return due - now < window * input.warnFraction ? 'near' : 'ok';
}

/** The counts an auditor reads first; `late` = notifiedLate + missed. */
export interface ComplianceCounts {
  tenants: number;
  notifiedInTime: number;
  late: number;
  notifiedLate: number;
  missed: number;
  notYetDue: number;
  undeliverable: number;
}
