import {
  deadlineState,
  metDeadline,
  tenantOutcome,
  TenantDeliveryFacts,
} from './compliance-status.js';

const at = (iso: string) => new Date(iso);
const due = at('2026-11-30T08:00:00Z');
const now = at('2026-11-29T08:00:00Z');

const email = (status: TenantDeliveryFacts['status'], sentAt?: string): TenantDeliveryFacts => ({
  channel: 'email',
  status,
  sentAt: sentAt ? at(sentAt) : null,
});
const dashboard = (
  status: TenantDeliveryFacts['status'],
  sentAt?: string,
): TenantDeliveryFacts => ({ channel: 'dashboard', status, sentAt: sentAt ? at(sentAt) : null });
const webhook = (status: TenantDeliveryFacts['status'], sentAt?: string): TenantDeliveryFacts => ({
  channel: 'webhook',
  status,
  sentAt: sentAt ? at(sentAt) : null,
});

describe('metDeadline', () => {
  it('should be true when the notice went out exactly at the deadline', () => {
    expect(metDeadline(due, due, now)).toBe(true);
  });

  it('should be false when the notice went out a millisecond after the deadline', () => {
    expect(metDeadline(new Date(due.getTime() + 1), due, at('2026-12-01T00:00:00Z'))).toBe(false);
  });

  it('should be null when nothing was sent and the deadline is still ahead', () => {
    expect(metDeadline(null, due, now)).toBeNull();
  });

  it('should be null when nothing was sent and now is the deadline itself', () => {
    expect(metDeadline(null, due, due)).toBeNull();
  });

  it('should be false when nothing was sent and the deadline has passed', () => {
    expect(metDeadline(null, due, at('2026-11-30T08:00:00.001Z'))).toBe(false);
  });
});

describe('tenantOutcome', () => {
  it('should take the earliest sent email when the tenant has several contacts', () => {
    const outcome = tenantOutcome(
      [
        email('sent', '2026-11-29T10:00:00Z'),
        email('sent', '2026-11-29T09:00:00Z'),
        dashboard('sent', '2026-11-29T07:00:00Z'),
      ],
      due,
      now,
    );
    expect(outcome.firstSentAt?.toISOString()).toBe('2026-11-29T09:00:00.000Z');
    expect(outcome.firstSentChannel).toBe('email');
    expect(outcome.metDeadline).toBe(true);
    expect(outcome.undeliverable).toBe(false);
  });

  it('should ignore the dashboard post when the tenant has an email contact whose mail failed', () => {
    const outcome = tenantOutcome(
      [email('failed'), dashboard('sent', '2026-11-29T07:00:00Z')],
      due,
      at('2026-12-01T00:00:00Z'),
    );
    expect(outcome.firstSentAt).toBeNull();
    expect(outcome.metDeadline).toBe(false);
    expect(outcome.undeliverable).toBe(true);
  });

  it('should count the dashboard post when the tenant has no email delivery at all', () => {
    const outcome = tenantOutcome([dashboard('sent', '2026-11-29T07:00:00Z')], due, now);
    expect(outcome.firstSentAt?.toISOString()).toBe('2026-11-29T07:00:00.000Z');
    expect(outcome.firstSentChannel).toBe('dashboard');
    expect(outcome.metDeadline).toBe(true);
    expect(outcome.undeliverable).toBe(false);
  });

  it('should not count a bounced email as notice when it was sent in time and bounced later', () => {
    const outcome = tenantOutcome(
      [email('bounced', '2026-11-29T07:00:00Z'), dashboard('sent', '2026-11-29T07:00:00Z')],
      due,
      at('2026-12-01T00:00:00Z'),
    );
    expect(outcome.firstSentAt).toBeNull();
    expect(outcome.metDeadline).toBe(false);
    expect(outcome.undeliverable).toBe(true);
  });

  it('should count the second contact when one email bounced and the other arrived', () => {
    const outcome = tenantOutcome(
      [email('bounced', '2026-11-29T06:00:00Z'), email('sent', '2026-11-29T07:00:00Z')],
      due,
      now,
    );
    expect(outcome.firstSentAt?.toISOString()).toBe('2026-11-29T07:00:00.000Z');
    expect(outcome.metDeadline).toBe(true);
    expect(outcome.undeliverable).toBe(false);
  });

  it('should be undeliverable when some emails failed and the others bounced', () => {
    expect(tenantOutcome([email('failed'), email('bounced')], due, now).undeliverable).toBe(true);
  });

  it('should count a webhook call its endpoint answered 2xx (sent) like an email', () => {
    const outcome = tenantOutcome(
      [
        email('failed'),
        webhook('sent', '2026-11-29T08:00:00Z'),
        dashboard('sent', '2026-11-29T07:00:00Z'),
      ],
      due,
      now,
    );
    expect(outcome.firstSentAt?.toISOString()).toBe('2026-11-29T08:00:00.000Z');
    expect(outcome.firstSentChannel).toBe('webhook');
    expect(outcome.metDeadline).toBe(true);
  });

  it('should not count a webhook call that failed or is still retrying, nor fall back to the post', () => {
    expect(
      tenantOutcome([webhook('failed'), dashboard('sent', '2026-11-29T07:00:00Z')], due, now)
        .firstSentAt,
    ).toBeNull();
    const outcome = tenantOutcome(
      [webhook('queued'), email('sent', '2026-11-29T09:00:00Z')],
      due,
      now,
    );
    expect(outcome.firstSentAt?.toISOString()).toBe('2026-11-29T09:00:00.000Z');
    expect(outcome.firstSentChannel).toBe('email');
  });

  it('should not be undeliverable when one email failed and another is still queued', () => {
    const outcome = tenantOutcome([email('failed'), email('queued')], due, now);
    expect(outcome.undeliverable).toBe(false);
    expect(outcome.metDeadline).toBeNull();
  });

  it('should be late when the only sent email went out after the deadline', () => {
    const outcome = tenantOutcome(
      [email('sent', '2026-11-30T09:00:00Z')],
      due,
      at('2026-12-01T00:00:00Z'),
    );
    expect(outcome.metDeadline).toBe(false);
    expect(outcome.firstSentAt?.toISOString()).toBe('2026-11-30T09:00:00.000Z');
  });

  it('should be not yet due when there are no deliveries and the deadline is ahead', () => {
    expect(tenantOutcome([], due, now)).toEqual({
      firstSentAt: null,
      firstSentChannel: null,
      metDeadline: null,
      undeliverable: false,
    });
  });
});

describe('deadlineState', () => {
  const awareAt = at('2026-11-27T08:00:00Z'); // a 72-hour window up to `due`

  it('should be ok when more than a quarter of the window is left', () => {
    expect(
      deadlineState({
        awareAt,
        noticeDueAt: due,
        notified: false,
        now: at('2026-11-29T13:00:00Z'),
        warnFraction: 0.25,
      }),
    ).toBe('ok');
  });

  it('should be near when less than a quarter of the window is left', () => {
    expect(
      deadlineState({
        awareAt,
        noticeDueAt: due,
        notified: false,
        now: at('2026-11-29T14:00:01Z'),
        warnFraction: 0.25,
      }),
    ).toBe('near');
  });

  it('should be missed when the deadline has passed', () => {
    expect(
      deadlineState({
        awareAt,
        noticeDueAt: due,
        notified: false,
        now: at('2026-11-30T08:00:01Z'),
        warnFraction: 0.25,
      }),
    ).toBe('missed');
  });

  it('should be notified whatever the time when the tenant was told', () => {
    expect(
      deadlineState({
        awareAt,
        noticeDueAt: due,
        notified: true,
        now: at('2026-12-30T00:00:00Z'),
        warnFraction: 0.25,
      }),
    ).toBe('notified');
  });

  it('should agree with the SQL bound due < now + (now - aware) * f / (1 - f) when probed around the boundary', () => {
    const f = 0.25;
    for (const minutes of [-61, -60, -59, 0, 59, 60, 61, 1080, 1081]) {
      const now = new Date(at('2026-11-29T14:00:00Z').getTime() + minutes * 60_000);
      const sqlBound = now.getTime() + ((now.getTime() - awareAt.getTime()) * f) / (1 - f);
      const state = deadlineState({
        awareAt,
        noticeDueAt: due,
        notified: false,
        now,
        warnFraction: f,
      });
      expect(state !== 'ok').toBe(due.getTime() < sqlBound);
    }
  });
});
