import {
  canonicalEventJson,
  GENESIS_HASH,
  hashEvent,
  StoredEvent,
  verifyChainPage,
} from './audit-chain.js';

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

// Golden vectors: the hashes of logs already written. They were computed outside Herald, from the
// canonical JSON written out by hand, as `printf '%s\n%s' "$prevHash" "$json" | sha256sum`
// (docs/auditor-guide.md). If one of these fails, the hash format changed and every stored chain
// would stop verifying: change the code back, not the vector.
const GOLDEN: Array<StoredEvent & { canonical: string }> = [
  {
    // The first event of a chain continues from the genesis hash.
    seq: '1',
    id: '3f6c2a9e-8b1d-4e7a-9c05-6d2b7e4f1a80',
    occurredAt: '2026-11-28T13:21:48.984Z',
    actor: 'ops-console',
    action: 'incident.created',
    entityType: 'incident',
    entityId: 'ba102181-2c55-45c0-b9c0-aac99100ab41',
    incidentId: 'ba102181-2c55-45c0-b9c0-aac99100ab41',
    change: {
      externalId: 'INC-2041',
      severity: 'high',
      phase: 'investigating',
      awareAt: '2026-11-28T13:00:00.000Z',
      scope: { regions: ['eu-west-1'], services: ['mail-storage'] },
    },
    canonical: String.raw`{"action":"incident.created","actor":"ops-console","change":{"awareAt":"2026-11-28T13:00:00.000Z","externalId":"INC-2041","phase":"investigating","scope":{"regions":["eu-west-1"],"services":["mail-storage"]},"severity":"high"},"entityId":"ba102181-2c55-45c0-b9c0-aac99100ab41","entityType":"incident","id":"3f6c2a9e-8b1d-4e7a-9c05-6d2b7e4f1a80","incidentId":"ba102181-2c55-45c0-b9c0-aac99100ab41","occurredAt":"2026-11-28T13:21:48.984Z","seq":"1"}`,
    prevHash: '0000000000000000000000000000000000000000000000000000000000000000',
    hash: 'ca3ccf8d134d1a789caabb1c3338c738885faa2f94fed9f9e3ccb6ff3dda66dc',
  },
  {
    // Non-ASCII text (raw UTF-8, not escaped), a line feed and quotes (escaped), keys that sort
    // by UTF-16 code unit ("Zone" < "année" < "écart"), a fraction, null inside the change.
    seq: '2',
    id: '9d41e7b2-03c6-4f58-a1e9-5b7c2d8f6e34',
    occurredAt: '2026-11-28T14:05:00.120Z',
    actor: 'reviewer-2',
    action: 'notice.approved',
    entityType: 'notice',
    entityId: 'c0ffee00-1234-4abc-8def-0123456789ab',
    incidentId: 'ba102181-2c55-45c0-b9c0-aac99100ab41',
    change: {
      revision: 3,
      title: { from: 'Störung', to: 'Zugriff auf Postfächer — 受信箱 😀' },
      body: 'Zeile 1\nSie sagte "Hallo"',
      labels: { écart: true, année: 2026, Zone: 'eu' },
      ratio: 0.25,
      reviewers: ['alice', 'bob'],
      previousApproval: null,
    },
    canonical: String.raw`{"action":"notice.approved","actor":"reviewer-2","change":{"body":"Zeile 1\nSie sagte \"Hallo\"","labels":{"Zone":"eu","année":2026,"écart":true},"previousApproval":null,"ratio":0.25,"reviewers":["alice","bob"],"revision":3,"title":{"from":"Störung","to":"Zugriff auf Postfächer — 受信箱 😀"}},"entityId":"c0ffee00-1234-4abc-8def-0123456789ab","entityType":"notice","id":"9d41e7b2-03c6-4f58-a1e9-5b7c2d8f6e34","incidentId":"ba102181-2c55-45c0-b9c0-aac99100ab41","occurredAt":"2026-11-28T14:05:00.120Z","seq":"2"}`,
    prevHash: 'ca3ccf8d134d1a789caabb1c3338c738885faa2f94fed9f9e3ccb6ff3dda66dc',
    hash: '5fd86da69286aa1082bc5c48b8ee90284980fc7706f4b6ec74d7a0e6be151407',
  },
  {
    // No entity and no incident: both null; objects nested in an array.
    seq: '3',
    id: 'e2a5c8f1-7b3d-4c69-8e0a-1f4d6b9c2a57',
    occurredAt: '2027-03-28T01:30:00.000Z',
    actor: 'system',
    action: 'deadline.escalated',
    entityType: 'system',
    entityId: null,
    incidentId: null,
    change: {
      to: 'soc@provider.example',
      alerts: [
        {
          kind: 'missed',
          tenant: { name: 'ACME GmbH', code: 'ACME-DE' },
          dueAt: '2026-11-29T13:00:00.000Z',
        },
      ],
      incidents: 1,
      messageId: '<deadline-watch.1@herald.local>',
      subject: 'Herald: 1 notice deadline missed',
    },
    canonical: String.raw`{"action":"deadline.escalated","actor":"system","change":{"alerts":[{"dueAt":"2026-11-29T13:00:00.000Z","kind":"missed","tenant":{"code":"ACME-DE","name":"ACME GmbH"}}],"incidents":1,"messageId":"<deadline-watch.1@herald.local>","subject":"Herald: 1 notice deadline missed","to":"soc@provider.example"},"entityId":null,"entityType":"system","id":"e2a5c8f1-7b3d-4c69-8e0a-1f4d6b9c2a57","incidentId":null,"occurredAt":"2027-03-28T01:30:00.000Z","seq":"3"}`,
    prevHash: '5fd86da69286aa1082bc5c48b8ee90284980fc7706f4b6ec74d7a0e6be151407',
    hash: '6bc1a9ac3efa9fb719c586906edc55de454c089d84c832fe5b690778e4ceb275',
  },
];

const goldenEvent = ({ canonical: _canonical, ...event }: (typeof GOLDEN)[number]): StoredEvent =>
  event;

describe('the audit hash format', () => {
  it.each(GOLDEN.map((golden) => [golden.seq, golden] as const))(
    'should give event %s the canonical JSON written out when it is serialized',
    (_seq, golden) => {
      expect(canonicalEventJson(goldenEvent(golden))).toBe(golden.canonical);
    },
  );

  it.each(GOLDEN.map((golden) => [golden.seq, golden] as const))(
    'should give event %s the hash written out when it is hashed on its previous hash',
    (_seq, golden) => {
      expect(hashEvent(golden.prevHash, goldenEvent(golden))).toBe(golden.hash);
    },
  );

  it('should verify the golden chain when it starts from the genesis hash', () => {
    expect(GOLDEN[0].prevHash).toBe(GENESIS_HASH);
    expect(verifyChainPage(start, GOLDEN.map(goldenEvent))).toEqual({
      state: { prevHash: GOLDEN[2].hash, lastSeq: 3n },
      broken: null,
    });
  });
});
