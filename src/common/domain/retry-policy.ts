// Pure retry rule for delivery: how long to wait before the next attempt. Whether a failed
// send is worth another attempt at all is the mail layer's call (src/mail/domain).

/** Upper bound of any single backoff delay: 6 hours. */
export const MAX_BACKOFF_MS = 6 * 60 * 60 * 1000;

/**
 * Delay before retry number `attempt` (1 = the first retry, BullMQ's `attemptsMade`).
 *
 * Exponential backoff with **full jitter** (AWS architecture blog, "Exponential Backoff And
 * Jitter"): the ceiling doubles per attempt, `baseMs * 2^(attempt-1)`, capped at
 * {@link MAX_BACKOFF_MS}, and the delay is drawn uniformly from `[0, ceiling)`. Full jitter
 * rather than decorrelated jitter because it needs no previous delay (the job only knows its
 * attempt count), and when the relay comes back after an outage it spreads the thousands of
 * deliveries that failed together over the whole window instead of retrying them in lockstep.
 *
 * @param random returns a number in [0, 1), e.g. `Math.random`; injected for tests
 */
export function backoffDelayMs(attempt: number, baseMs: number, random: () => number): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`attempt must be an integer >= 1, got ${attempt}`);
  }
  if (!Number.isFinite(baseMs) || baseMs <= 0) {
    throw new RangeError(`baseMs must be a positive finite number, got ${baseMs}`);
  }
  // 2 ** large is Infinity, which Math.min turns back into the cap.
  const ceiling = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** (attempt - 1));
  // A misbehaving random source must not push the delay outside [0, ceiling).
  const r = Math.min(Math.max(random(), 0), 1 - Number.EPSILON);
  return Math.floor(r * ceiling);
}
