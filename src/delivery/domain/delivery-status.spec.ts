import {
  checkDeliveryTransition,
  DELIVERY_STATUSES,
  DELIVERY_TRANSITIONS,
  metDeadline,
} from './delivery-status.js';

describe('delivery lifecycle', () => {
  const pairs = DELIVERY_STATUSES.flatMap((from) =>
    DELIVERY_STATUSES.map((to) => [from, to] as const),
  );
  it.each(pairs)('should allow %s -> %s only when the table lists it', (from, to) => {
    expect(checkDeliveryTransition(from, to).allowed).toBe(DELIVERY_TRANSITIONS[from].includes(to));
  });

  it('should meet the deadline when sent at or before it', () => {
    const due = new Date('2026-11-28T12:00:00Z');
    expect(metDeadline(new Date('2026-11-28T12:00:00Z'), due)).toBe(true);
    expect(metDeadline(new Date('2026-11-28T12:00:00.001Z'), due)).toBe(false);
    expect(metDeadline(null, due)).toBeNull();
  });
});
