import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

export const GENESIS_HASH = '0'.repeat(64);

/** The fields an audit event's hash covers, in the form they are stored and read back. */
export interface ChainedEventFields {
  seq: string;
  id: string;
  occurredAt: string; // ISO-8601 with milliseconds and Z
  actor: string;
  action: string;
  entityType: string;
  entityId: string | null;
  incidentId: string | null;
  change: Record<string, unknown>;
}

/**
 * The RFC 8785 (JCS) canonical JSON of exactly these fields: keys sorted, no whitespace,
 * UTF-8. docs/auditor-guide.md spells it out for auditors; old logs depend on it not changing.
 */
export function canonicalEventJson(event: ChainedEventFields): string {
  return canonicalize(hashedFields(event)) ?? '';
}

/** Exactly the nine members format 1 hashes (the sharded format adds two). */
export function hashedFields(event: ChainedEventFields): ChainedEventFields {
  return {
    seq: event.seq,
    id: event.id,
    occurredAt: event.occurredAt,
    actor: event.actor,
    action: event.action,
    entityType: event.entityType,
    entityId: event.entityId,
    incidentId: event.incidentId,
    change: event.change,
  };
}

/** sha256 (hex) over the previous hash (hex), a line feed, and the canonical JSON. */
export function chainHash(prevHash: string, canonicalJson: string): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson).digest('hex');
}

/** sha256 (hex) over the previous hash (hex), a line feed, and the event's canonical JSON. */
export function hashEvent(prevHash: string, event: ChainedEventFields): string {
  return chainHash(prevHash, canonicalEventJson(event));
}

export type ChainBreak =
  | { kind: 'gap'; seq: string; expectedSeq: string }
  | { kind: 'prev-hash'; seq: string; id: string }
  | { kind: 'hash'; seq: string; id: string };

export interface StoredEvent extends ChainedEventFields {
  prevHash: string;
  hash: string;
}

/** Walks a page of events in seq order, continuing from `state`; returns the first break, if any. */
export function verifyChainPage(
  state: { prevHash: string; lastSeq: bigint },
  events: StoredEvent[],
): { state: { prevHash: string; lastSeq: bigint }; broken: ChainBreak | null } {
  let { prevHash, lastSeq } = state;
  for (const event of events) {
    const seq = BigInt(event.seq);
    if (seq !== lastSeq + 1n) {
      return {
        state: { prevHash, lastSeq },
        broken: { kind: 'gap', seq: event.seq, expectedSeq: String(lastSeq + 1n) },
      };
    }
    if (event.prevHash !== prevHash)
      return {
        state: { prevHash, lastSeq },
        broken: { kind: 'prev-hash', seq: event.seq, id: event.id },
      };
    if (hashEvent(prevHash, event) !== event.hash) {
      return {
        state: { prevHash, lastSeq },
        broken: { kind: 'hash', seq: event.seq, id: event.id },
      };
    }
    prevHash = event.hash;
    lastSeq = seq;
  }
  return { state: { prevHash, lastSeq }, broken: null };
}
