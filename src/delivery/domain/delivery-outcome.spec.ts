import { decideOutcome } from './delivery-outcome.js';

const now = new Date('2030-01-01T00:00:00Z');
const policy = { maxAttempts: 3, baseMs: 1000 };
const half = () => 0.5;

describe('decideOutcome', () => {
  it('should mark a queued delivery sent at now when the attempt was handed over', () => {
    expect(
      decideOutcome({ status: 'queued', attempts: 1 }, { kind: 'sent' }, policy, now, half),
    ).toEqual({
      status: 'sent',
      at: now,
    });
  });

  it('should queue it again after the backoff when a temporary failure leaves attempts', () => {
    const decision = decideOutcome(
      { status: 'queued', attempts: 2 },
      { kind: 'temporary', error: 'smtp 451' },
      policy,
      now,
      half,
    );
    // attempt 2 failed: the ceiling is 1000 * 2^1 = 2000 ms, half of it drawn.
    expect(decision).toEqual({
      status: 'queued',
      error: 'smtp 451',
      nextAttemptAt: new Date('2030-01-01T00:00:01Z'),
    });
  });

  it('should fail it when the temporary failure was its last attempt', () => {
    expect(
      decideOutcome(
        { status: 'queued', attempts: 3 },
        { kind: 'temporary', error: 'smtp 451' },
        policy,
        now,
        half,
      ),
    ).toEqual({ status: 'failed', at: now, error: 'smtp 451' });
  });

  it('should fail it at once on a permanent failure', () => {
    expect(
      decideOutcome(
        { status: 'queued', attempts: 1 },
        { kind: 'permanent', error: 'smtp 550' },
        policy,
        now,
        half,
      ),
    ).toEqual({ status: 'failed', at: now, error: 'smtp 550' });
  });

  it('should refuse to record anything for a delivery that is already sent or failed', () => {
    expect(() =>
      decideOutcome({ status: 'sent', attempts: 1 }, { kind: 'sent' }, policy, now, half),
    ).toThrow('a delivery cannot go from sent to sent');
    expect(() =>
      decideOutcome(
        { status: 'failed', attempts: 1 },
        { kind: 'temporary', error: 'x' },
        policy,
        now,
        half,
      ),
    ).toThrow('a delivery cannot go from failed to queued');
  });
});
