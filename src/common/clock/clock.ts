/**
 * Business time. Every timestamp that decides an outcome (awareAt defaults, sentAt, approvedAt,
 * leases, the deadline watch, retention, audit `at`) is read from the one Clock the app was built
 * with and passed into SQL as a parameter, so Herald and its tests agree on "now" whatever the
 * database server's own clock says (and a shifted process clock, as under faketime, shifts all of
 * Herald consistently).
 *
 * Durations that only measure how long something took (log timings, metrics) are not business time
 * and may use `performance.now()`.
 */
export abstract class Clock {
  abstract now(): Date;

  /** Milliseconds since the epoch, as `now().getTime()`. */
  nowMs(): number {
    return this.now().getTime();
  }
}

/** The process clock. */
export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}
