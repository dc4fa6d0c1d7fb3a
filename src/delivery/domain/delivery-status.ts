import {
  checkTransition,
  TransitionCheck,
  TransitionTable,
} from '../../common/domain/transition-table.js';

import type { DeliveryStatus } from '../../common/domain/delivery-vocabulary.js';

export {
  DELIVERY_CHANNELS,
  DELIVERY_STATUSES,
  type DeliveryChannel,
  type DeliveryStatus,
} from '../../common/domain/delivery-vocabulary.js';

// queued -> queued is a retry after a temporary failure (attempts + 1). sent -> bounced: the
// relay accepted the email and a delivery status notification later said it did not arrive.
export const DELIVERY_TRANSITIONS: TransitionTable<DeliveryStatus> = {
  queued: ['queued', 'sent', 'failed'],
  sent: ['bounced'],
  failed: [],
  bounced: [],
};

export function checkDeliveryTransition(from: DeliveryStatus, to: DeliveryStatus): TransitionCheck {
  return checkTransition(DELIVERY_TRANSITIONS, 'delivery', from, to);
}

/** In time when it was sent no later than the tenant's notice deadline. */
export function metDeadline(sentAt: Date | null, noticeDueAt: Date): boolean | null {
  return sentAt === null ? null : sentAt.getTime() <= noticeDueAt.getTime();
}
