import { GENESIS_HASH, hashEvent } from './audit-chain.js';
import {
  buildCheckpoint,
  canonicalShardedEventJson,
  hashShardedEvent,
  LoggedEvent,
  merkleLeaf,
  merkleRoot,
  shardGenesisHash,
  ShardedLogVerifier,
  verifyCheckpointPage,
} from './audit-shards.js';

// Golden vectors, computed outside Herald with printf | sha256sum and openssl (see
// docs/auditor-guide.md, "The sharded log"). A change here breaks every stored log.
const GENESIS_3 = '7974015a238e97f16e532ffb74417095052a5136d2a25acf1619dd5cc7f05f32';
const E16 = {
  seq: '16',
  id: '5d1e7c1a-2b9f-4c3e-8a6d-0f4b2c9e7a11',
  occurredAt: '2026-12-01T09:30:00.125Z',
  actor: 'system',
  action: 'delivery.sent',
  entityType: 'delivery',
  entityId: 'c7935593-518e-4233-b9d3-2d32d7d53a36',
  incidentId: 'ba102181-2c55-45c0-b9c0-aac99100ab41',
  change: {
    status: { to: 'sent', from: 'queued' },
    recipient: 'sécurité@acme.example',
    channel: 'email',
  },
  shard: 3,
  prevSeq: null,
};
const E16_JSON =
  '{"action":"delivery.sent","actor":"system","change":{"channel":"email","recipient":"sécurité@acme.example","status":{"from":"queued","to":"sent"}},"entityId":"c7935593-518e-4233-b9d3-2d32d7d53a36","entityType":"delivery","id":"5d1e7c1a-2b9f-4c3e-8a6d-0f4b2c9e7a11","incidentId":"ba102181-2c55-45c0-b9c0-aac99100ab41","occurredAt":"2026-12-01T09:30:00.125Z","prevSeq":null,"seq":"16","shard":3}';
const E16_HASH = 'a016c07d48b4d0ac9a05e07c054a7c2eff7c4e3437a6473074be7d55cf91f232';
const E19 = {
  seq: '19',
  id: '8a4f0d2e-6c1b-4e9a-b7d3-1f5e8c2a9b60',
  occurredAt: '2026-12-01T09:30:01.000Z',
  actor: 'maria.comms',
  action: 'notice.approved',
  entityType: 'notice',
  entityId: '918935d0-f330-4ba8-9ad2-f63f4f8a8ba8',
  incidentId: 'ba102181-2c55-45c0-b9c0-aac99100ab41',
  change: { revision: 2 },
  shard: 3,
  prevSeq: '16',
};
const E19_HASH = '3f5504e8d1fde398800075171982e984cf8b143139d6d17271f7cce00fef6308';
const LEGACY_HEAD = 'ca3ccf8d134d1a789caabb1c3338c738885faa2f94fed9f9e3ccb6ff3dda66dc';
const HEADS = [
  { shard: 7, seq: '18', hash: '1'.repeat(64) },
  { shard: 0, seq: '1', hash: LEGACY_HEAD },
  { shard: 3, seq: '19', hash: E19_HASH },
];
const LEAF_0 = 'cd33b7a59819ae4d9144bba827230e098f549f1ca239dd010fe0bc455006ada2';
const ROOT = 'cb4bdc4e03bd6fd60d5e812fa13b7e710bee289f5668e9768da06e53923488d9';
const CHECKPOINT_HASH = 'dc7bd836d74e4b88987b6b3e54bd86c61964d2736caee8f2f0e2bebd46c55a43';
const KEY = 'an-example-checkpoint-key-of-32-chars!';
const SIGNATURE = '232ba37e0b49f61cee2252408c9a5b5cc2750174fe23b4e7ae2a762227e9b23a';

describe('the sharded audit format', () => {
  it('should start shard 3 from the hash of "herald-audit-shard:3" and shard 0 from zeros', () => {
    expect(shardGenesisHash(3)).toBe(GENESIS_3);
    expect(shardGenesisHash(0)).toBe(GENESIS_HASH);
  });

  it('should hash the eleven members in canonical form when the event is sharded', () => {
    expect(canonicalShardedEventJson(E16)).toBe(E16_JSON);
    expect(hashShardedEvent(GENESIS_3, E16)).toBe(E16_HASH);
    expect(hashShardedEvent(E16_HASH, E19)).toBe(E19_HASH);
  });

  it('should never give a sharded event the hash of its format-1 reading', () => {
    expect(hashEvent(GENESIS_3, E16)).not.toBe(E16_HASH);
  });

  it('should give the golden Merkle root whatever order the heads come in', () => {
    expect(merkleLeaf(HEADS[1])).toBe(LEAF_0);
    expect(merkleRoot(HEADS)).toBe(ROOT);
    expect(merkleRoot([...HEADS].reverse())).toBe(ROOT);
    expect(merkleRoot([{ ...HEADS[0], seq: '17' }, HEADS[1], HEADS[2]])).not.toBe(ROOT);
  });

  it('should chain and sign the golden checkpoint when a key is given', () => {
    const c = buildCheckpoint(null, HEADS, '2026-12-01T09:31:00.000Z', KEY);
    expect(c).toMatchObject({ seq: '1', root: ROOT, prevHash: GENESIS_HASH });
    expect(c.hash).toBe(CHECKPOINT_HASH);
    expect(c.signature).toBe(SIGNATURE);
    expect(buildCheckpoint(null, HEADS, '2026-12-01T09:31:00.000Z', undefined).signature).toBe(
      null,
    );
  });
});

function shardChain(plan: Array<[seq: number, shard: number]>): LoggedEvent[] {
  const heads = new Map<number, { seq: string; hash: string }>();
  return plan.map(([n, shard]) => {
    const head = heads.get(shard);
    const fields = {
      ...E19,
      seq: String(n),
      id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      change: { n },
      shard,
      prevSeq: head?.seq ?? null,
    };
    const prevHash = head?.hash ?? shardGenesisHash(shard);
    const hash = hashShardedEvent(prevHash, fields);
    heads.set(shard, { seq: fields.seq, hash });
    return { ...fields, prevHash, hash };
  });
}

function firstBreak(events: LoggedEvent[]) {
  const v = new ShardedLogVerifier();
  for (const e of events) {
    const broken = v.accept(e);
    if (broken) return { broken, verified: v.events };
  }
  return { broken: null, verified: v.events, verifier: v };
}

// Shards 1 and 2 interleaved, with seqs a rolled-back transaction skipped (4).
const PLAN: Array<[number, number]> = [
  [1, 1],
  [2, 2],
  [3, 1],
  [5, 1],
  [6, 2],
  [7, 1],
];

describe('ShardedLogVerifier', () => {
  it('should accept interleaved shards with skipped seqs when nothing was touched', () => {
    expect(firstBreak(shardChain(PLAN))).toMatchObject({ broken: null, verified: 6 });
  });

  it('should name the edited event when its content changed', () => {
    const events = shardChain(PLAN);
    events[2] = { ...events[2], actor: 'mallory' };
    expect(firstBreak(events)).toMatchObject({
      broken: { kind: 'hash', seq: '3', shard: 1 },
      verified: 2,
    });
  });

  it('should name the deleted event at the next event of its shard', () => {
    const events = shardChain(PLAN).filter((e) => e.seq !== '3');
    expect(firstBreak(events).broken).toEqual({
      kind: 'gap',
      seq: '5',
      expectedSeq: '3',
      shard: 1,
    });
  });

  it('should name the first of two swapped events', () => {
    const events = shardChain(PLAN);
    const [a, b] = [events[2], events[3]];
    events[2] = { ...b, seq: a.seq };
    events[3] = { ...a, seq: b.seq };
    expect(firstBreak(events).broken).toMatchObject({ kind: 'hash', seq: '3' });
  });

  it('should name the next event of the shard when an event was re-hashed after an edit', () => {
    const events = shardChain(PLAN);
    const edited = { ...events[2], actor: 'mallory' };
    events[2] = { ...edited, hash: hashShardedEvent(edited.prevHash, { ...edited, shard: 1 }) };
    expect(firstBreak(events).broken).toMatchObject({ kind: 'prev-hash', seq: '5', shard: 1 });
  });

  it('should refuse a format-1 event once sharded events began', () => {
    const events = shardChain(PLAN);
    events[3] = { ...events[3], shard: null, prevSeq: null };
    expect(firstBreak(events).broken).toMatchObject({ kind: 'hash', seq: '5' });
  });

  it('should name the lowest checkpointed head that is gone when the newest events were cut off', () => {
    const events = shardChain(PLAN);
    const heads = [
      { shard: 1, seq: '7', hash: events[5].hash },
      { shard: 2, seq: '6', hash: events[4].hash },
    ];
    const cut = events.slice(0, 4);
    const { broken, verifier } = firstBreak(cut);
    expect(broken).toBeNull();
    const stored = new Map(cut.map((e) => [e.seq, e]));
    expect(verifier?.checkHeads({ seq: '9', heads }, stored)).toEqual({
      kind: 'truncated',
      seq: '6',
      shard: 2,
      checkpointSeq: '9',
    });
    const all = new Map(events.map((e) => [e.seq, e]));
    expect(verifier?.checkHeads({ seq: '9', heads }, all)).toBeNull();
    all.set('7', { ...events[5], hash: 'f'.repeat(64) });
    expect(verifier?.checkHeads({ seq: '9', heads }, all)).toMatchObject({
      kind: 'checkpoint',
      seq: '7',
    });
  });
});

describe('verifyCheckpointPage', () => {
  const first = buildCheckpoint(null, HEADS, '2026-12-01T09:31:00.000Z', KEY);
  const second = buildCheckpoint(first, HEADS.slice(1), '2026-12-01T09:32:00.000Z', KEY);
  const start = { prevHash: GENESIS_HASH, lastSeq: 0n };

  it('should accept a signed chain of checkpoints when checked with the key', () => {
    expect(verifyCheckpointPage(start, [first, second], KEY).broken).toBeNull();
  });

  it('should name the checkpoint when its heads, root or signature were changed', () => {
    const heads = [{ ...HEADS[0], seq: '17' }, ...HEADS.slice(1)];
    expect(verifyCheckpointPage(start, [{ ...first, heads }], KEY).broken).toEqual({
      kind: 'hash',
      seq: '1',
    });
    expect(
      verifyCheckpointPage(start, [first, { ...second, signature: null }], KEY).broken,
    ).toEqual({
      kind: 'signature',
      seq: '2',
    });
    expect(verifyCheckpointPage(start, [second], KEY).broken).toEqual({
      kind: 'gap',
      seq: '2',
      expectedSeq: '1',
    });
    expect(
      verifyCheckpointPage(start, [first, second], 'another-key-of-thirty-two-characters').broken,
    ).toEqual({
      kind: 'signature',
      seq: '1',
    });
  });
});
