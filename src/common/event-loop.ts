import { setImmediate } from 'node:timers/promises';

/** Items handled between two pauses: a few milliseconds of work each for the loops that use it. */
const SLICE = 500;

/**
 * In a loop over a large request (10,000 tenants, 100,000 ids), call with the item's index:
 * every SLICE items it lets timers, I/O and other requests run, so one big call cannot stall
 * the whole process (API, workers, lock renewals, liveness probes: issue 20, H1).
 */
export async function pauseEvery(index: number, every = SLICE): Promise<void> {
  if (index > 0 && index % every === 0) await setImmediate();
}
