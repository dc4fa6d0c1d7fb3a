import { GENESIS_HASH, hashEvent, StoredEvent, verifyChainPage } from './audit-chain.js';

function chain(n: number): StoredEvent[] {
  const out: StoredEvent[] = [];
  let prevHash = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const fields = {
      seq: String(i),
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      occurredAt: `2026-11-28T10:00:0${i % 10}.000Z`,
      actor: 'alice',
      action: 'tenant.updated',
      entityType: 'tenant',
      entityId: `t-${i}`,
      incidentId: null,
      change: { name: { from: 'a', to: `b${i}` }, n: i },
    };
    const hash = hashEvent(prevHash, fields);
    out.push({ ...fields, prevHash, hash });
    prevHash = hash;
  }
  return out;
}

const start = { prevHash: GENESIS_HASH, lastSeq: 0n };

describe('hashEvent', () => {
  it('should give the same hash when the change lists its keys in another order', () => {
    const [e] = chain(1);
    const reordered = { ...e, change: { n: 1, name: { to: 'b1', from: 'a' } } };
    expect(hashEvent(GENESIS_HASH, reordered)).toBe(e.hash);
  });

  it('should give another hash when the previous hash differs', () => {
    const [e] = chain(1);
    expect(hashEvent('f'.repeat(64), e)).not.toBe(e.hash);
  });
});

describe('verifyChainPage', () => {
  it('should accept an untouched chain when verified in two pages', () => {
    const events = chain(6);
    const first = verifyChainPage(start, events.slice(0, 3));
    const second = verifyChainPage(first.state, events.slice(3));
    expect(first.broken).toBeNull();
    expect(second.broken).toBeNull();
    expect(second.state).toEqual({ prevHash: events[5].hash, lastSeq: 6n });
  });

  it('should name the edited event when its change was altered', () => {
    const events = chain(5);
    events[2] = { ...events[2], change: { ...events[2].change, n: 99 } };
    expect(verifyChainPage(start, events).broken).toEqual({
      kind: 'hash',
      seq: '3',
      id: events[2].id,
    });
  });

  it('should name the event when its actor was altered', () => {
    const events = chain(5);
    events[3] = { ...events[3], actor: 'mallory' };
    expect(verifyChainPage(start, events).broken).toMatchObject({ kind: 'hash', seq: '4' });
  });

  it('should report a gap when an event was deleted', () => {
    const events = chain(5);
    events.splice(1, 1);
    expect(verifyChainPage(start, events).broken).toEqual({
      kind: 'gap',
      seq: '3',
      expectedSeq: '2',
    });
  });

  it('should report the next event when an event and its hash were both rewritten', () => {
    const events = chain(5);
    const forged = { ...events[1], actor: 'mallory' };
    events[1] = { ...forged, hash: hashEvent(forged.prevHash, forged) };
    expect(verifyChainPage(start, events).broken).toEqual({
      kind: 'prev-hash',
      seq: '3',
      id: events[2].id,
    });
  });
});
