import { Clock } from '../../src/common/clock/clock.js';

/** A clock a test sets and moves; starts at the process clock's now unless told otherwise. */
export class ManualClock extends Clock {
  private ms: number;

  constructor(start: Date | string | number = Date.now()) {
    super();
    this.ms = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.ms);
  }

  set(at: Date | string | number): void {
    this.ms = new Date(at).getTime();
  }

  advance(ms: number): void {
    this.ms += ms;
  }
}

/** An ISO instant `ms` from the process clock's now (negative: in the past). */
export const fromNow = (ms: number): string => new Date(Date.now() + ms).toISOString();

export const HOUR_MS = 3_600_000;
