import { setImmediate } from 'node:timers/promises';

/** Items handled between two pauses: well under 10 ms of work on an idle machine for the loops that use it. */
const SLICE = 100;

/**
 * In a loop over a large request (10,000 tenants, 100,000 ids), call with the item's index:
 * every SLICE items it lets timers, I/O and other requests run, so one big call cannot stall
 * the whole process (API, workers, lock renewals, liveness probes: issue 20, H1).
 */
export async function pauseEvery(index: number, every = SLICE): Promise<void> {
  if (index > 0 && index % every === 0) await pause();
}

/** Lets timers, I/O and other requests run before the next step of a heavy request. */
export async function pause(): Promise<void> {
  await setImmediate();
}
