import { itAllowsExactly } from '../../support/lifecycle.js';
import {
  checkDeliveryTransition,
  DELIVERY_STATUSES,
  metDeadline,
} from '../../../src/delivery/domain/delivery-status.js';

describe('delivery lifecycle', () => {
  itAllowsExactly(
    'delivery',
    { actual: DELIVERY_STATUSES, expected: ['queued', 'sent', 'failed', 'bounced'] },
    // queued -> queued: a retry after a temporary failure; sent -> bounced: a DSN came back.
    ['queued -> queued', 'queued -> sent', 'queued -> failed', 'sent -> bounced'],
    checkDeliveryTransition,
  );

  it('should meet the deadline when sent at or before it', () => {
    const due = new Date('2026-11-28T12:00:00Z');
    expect(metDeadline(new Date('2026-11-28T12:00:00Z'), due)).toBe(true);
    expect(metDeadline(new Date('2026-11-28T12:00:00.001Z'), due)).toBe(false);
    expect(metDeadline(null, due)).toBeNull();
  });
});
