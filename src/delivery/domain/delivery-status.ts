import {
  checkTransition,
  TransitionCheck,
  TransitionTable,
} from '../../common/domain/transition-table.js';

export const DELIVERY_CHANNELS = ['email', 'dashboard', 'webhook'] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];

export const DELIVERY_STATUSES = ['queued', 'sent', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

// queued -> queued is a retry after a temporary failure (attempts + 1).
export const DELIVERY_TRANSITIONS: TransitionTable<DeliveryStatus> = {
  queued: ['queued', 'sent', 'failed'],
  sent: [],
  failed: [],
};

export function checkDeliveryTransition(from: DeliveryStatus, to: DeliveryStatus): TransitionCheck {
  return checkTransition(DELIVERY_TRANSITIONS, 'delivery', from, to);
}

/** In time when it was sent no later than the tenant's notice deadline. */
export function metDeadline(sentAt: Date | null, noticeDueAt: Date): boolean | null {
  return sentAt === null ? null : sentAt.getTime() <= noticeDueAt.getTime();
}
