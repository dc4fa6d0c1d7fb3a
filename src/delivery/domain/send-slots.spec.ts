import fc from 'fast-check';
import { SendSlots } from './send-slots.js';

describe('SendSlots', () => {
  it('should grant slots at once while enough are free and make the next unit wait when they are not', async () => {
    const slots = new SendSlots(4);
    expect(await slots.acquire(3)).toBe(3);
    let granted = false;
    const second = slots.acquire(2).then((n) => {
      granted = true;
      return n;
    });
    await Promise.resolve();
    expect(granted).toBe(false);
    slots.release(3);
    expect(await second).toBe(2);
    expect(slots.inUse).toBe(2);
  });

  it('should cap a unit larger than every slot at the number of slots when it asks for more', async () => {
    const slots = new SendSlots(4);
    expect(await slots.acquire(50)).toBe(4);
    slots.release(4);
    expect(slots.inUse).toBe(0);
  });

  it('should let waiting units in first come first served when a small one could pass a large one', async () => {
    const slots = new SendSlots(4);
    await slots.acquire(4);
    const order: string[] = [];
    const big = slots.acquire(3).then(() => order.push('big'));
    const small = slots.acquire(1).then(() => order.push('small'));
    slots.release(2);
    await Promise.resolve();
    // Two are free: the small unit could go, but it arrived after the big one.
    expect(order).toEqual([]);
    slots.release(2);
    await Promise.all([big, small]);
    expect(order).toEqual(['big', 'small']);
  });

  it('should never hold more than its size and end with every slot free when any units come and go', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 30 }), fc.nat(3)), { maxLength: 60 }),
        async (size, units) => {
          const slots = new SendSlots(size);
          let held = 0;
          let most = 0;
          await Promise.all(
            units.map(async ([n, ticks]) => {
              const got = await slots.acquire(n);
              held += got;
              most = Math.max(most, held);
              for (let i = 0; i < ticks; i++) await Promise.resolve();
              held -= got;
              slots.release(got);
            }),
          );
          expect(most).toBeLessThanOrEqual(size);
          expect(slots.inUse).toBe(0);
          expect(slots.queued).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('should refuse to take back more than it gave when released twice', async () => {
    const slots = new SendSlots(2);
    const n = await slots.acquire(2);
    slots.release(n);
    expect(() => slots.release(n)).toThrow('released more slots than were taken');
  });
});
