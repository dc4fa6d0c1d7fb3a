/**
 * A counting semaphore for the sender's send slots, first come first served: a unit of n
 * emails waits until n slots are free (units arrive in deadline order, so they leave in it).
 * Pure: no I/O, no clock.
 */
export class SendSlots {
  private free: number;
  private readonly waiting: { n: number; go: () => void }[] = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  /** Slots taken now plus those asked for and not yet granted. */
  get inUse(): number {
    return this.size - this.free;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves once `n` slots (at most `size`) are held by the caller. */
  acquire(n: number): Promise<number> {
    const want = Math.min(Math.max(1, n), this.size);
    if (this.waiting.length === 0 && this.free >= want) {
      this.free -= want;
      return Promise.resolve(want);
    }
    return new Promise((resolve) => {
      this.waiting.push({ n: want, go: () => resolve(want) });
    });
  }

  /** Gives back what acquire() granted, and lets waiting units in, in order. */
  release(n: number): void {
    if (this.free + n > this.size) throw new Error(`released more slots than were taken (${n})`);
    this.free += n;
    while (this.waiting.length && this.waiting[0].n <= this.free) {
      const next = this.waiting.shift()!;
      this.free -= next.n;
      next.go();
    }
  }
}
