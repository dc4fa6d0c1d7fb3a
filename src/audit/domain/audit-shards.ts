import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import canonicalize from 'canonicalize';
import {
  ChainBreak,
  chainHash,
  hashedFields,
  ChainedEventFields,
  GENESIS_HASH,
  StoredEvent,
  verifyChainPage,
} from './audit-chain.js';

/**
 * The sharded log (format 2). Every event belongs to one shard; each shard is a hash chain of
 * its own, so writers on different shards never wait for each other. Shard 0 is the log written
 * before sharding (format 1: one global chain, `shard` null, see audit-chain.ts); shards 1..n take
 * the new events. A periodic checkpoint commits every shard's newest event in a Merkle root and
 * is chained (and optionally signed) itself, so cutting off the newest events of any shard is
 * caught against the latest checkpoint. docs/auditor-guide.md explains it for auditors.
 */
export const LEGACY_SHARD = 0;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The prevHash of a shard's first event: SHA-256 of "herald-audit-shard:<n>", distinct per shard. */
export function shardGenesisHash(shard: number): string {
  return shard === LEGACY_SHARD ? GENESIS_HASH : sha256(`herald-audit-shard:${shard}`);
}

export interface ShardedEventFields extends ChainedEventFields {
  shard: number;
  /** The seq of the shard's previous event, null for its first. */
  prevSeq: string | null;
}

/** The eleven-member canonical JSON: format 1's nine plus `shard` and `prevSeq`. */
export function canonicalShardedEventJson(event: ShardedEventFields): string {
  return canonicalize({ ...hashedFields(event), shard: event.shard, prevSeq: event.prevSeq }) ?? '';
}

/** sha256 (hex) over the shard's previous hash, a line feed, and the eleven-member canonical JSON. */
export function hashShardedEvent(prevHash: string, event: ShardedEventFields): string {
  return chainHash(prevHash, canonicalShardedEventJson(event));
}

/** A stored event of either format: `shard` and `prevSeq` are null for format 1. */
export interface LoggedEvent extends StoredEvent {
  shard: number | null;
  prevSeq: string | null;
}

export interface ShardHead {
  shard: number;
  seq: string;
  hash: string;
}

/** SHA-256 of "leaf\n" and the canonical JSON {hash, seq, shard} of one shard head. */
export function merkleLeaf(head: ShardHead): string {
  return sha256(
    `leaf\n${canonicalize({ shard: head.shard, seq: head.seq, hash: head.hash }) ?? ''}`,
  );
}

/**
 * The Merkle root over the shard heads in shard order: leaves as merkleLeaf, each parent
 * SHA-256 of "node\n" + left + right (hex), an odd last node carried up unchanged.
 */
export function merkleRoot(heads: ShardHead[]): string {
  let level = [...heads].sort((a, b) => a.shard - b.shard).map(merkleLeaf);
  if (level.length === 0) return GENESIS_HASH;
  while (level.length > 1) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2)
      next.push(i + 1 < level.length ? sha256(`node\n${level[i]}${level[i + 1]}`) : level[i]);
    level = next;
  }
  return level[0];
}

export interface CheckpointFields {
  seq: string;
  createdAt: string;
  root: string;
  heads: ShardHead[];
}

export interface StoredCheckpoint extends CheckpointFields {
  prevHash: string;
  hash: string;
  /** HMAC-SHA256 (hex) of `hash` with AUDIT_CHECKPOINT_KEY, or null when no key is configured. */
  signature: string | null;
}

export function canonicalCheckpointJson(c: CheckpointFields): string {
  return (
    canonicalize({
      seq: c.seq,
      createdAt: c.createdAt,
      root: c.root,
      heads: [...c.heads]
        .sort((a, b) => a.shard - b.shard)
        .map((h) => ({ shard: h.shard, seq: h.seq, hash: h.hash })),
    }) ?? ''
  );
}

/** Checkpoints form a chain of their own: sha256(prevHash + "\n" + canonical checkpoint). */
export function hashCheckpoint(prevHash: string, c: CheckpointFields): string {
  return chainHash(prevHash, canonicalCheckpointJson(c));
}

export function signCheckpoint(key: string, hash: string): string {
  return createHmac('sha256', key).update(hash).digest('hex');
}

export function buildCheckpoint(
  previous: Pick<StoredCheckpoint, 'seq' | 'hash'> | null,
  heads: ShardHead[],
  createdAt: string,
  key: string | undefined,
): StoredCheckpoint {
  const sorted = [...heads].sort((a, b) => a.shard - b.shard);
  const fields: CheckpointFields = {
    seq: String((previous ? BigInt(previous.seq) : 0n) + 1n),
    createdAt,
    root: merkleRoot(sorted),
    heads: sorted,
  };
  const prevHash = previous?.hash ?? GENESIS_HASH;
  const hash = hashCheckpoint(prevHash, fields);
  return { ...fields, prevHash, hash, signature: key ? signCheckpoint(key, hash) : null };
}

export type CheckpointBreak =
  | { kind: 'gap'; seq: string; expectedSeq: string }
  | { kind: 'prev-hash' | 'hash' | 'root' | 'signature'; seq: string };

/** Walks checkpoints in seq order from `state`; returns the first break, if any. */
export function verifyCheckpointPage(
  state: { prevHash: string; lastSeq: bigint },
  checkpoints: StoredCheckpoint[],
  key: string | undefined,
): { state: { prevHash: string; lastSeq: bigint }; broken: CheckpointBreak | null } {
  let { prevHash, lastSeq } = state;
  for (const c of checkpoints) {
    const at = { state: { prevHash, lastSeq } };
    if (BigInt(c.seq) !== lastSeq + 1n)
      return { ...at, broken: { kind: 'gap', seq: c.seq, expectedSeq: String(lastSeq + 1n) } };
    if (c.prevHash !== prevHash) return { ...at, broken: { kind: 'prev-hash', seq: c.seq } };
    if (hashCheckpoint(prevHash, c) !== c.hash)
      return { ...at, broken: { kind: 'hash', seq: c.seq } };
    if (merkleRoot(c.heads) !== c.root) return { ...at, broken: { kind: 'root', seq: c.seq } };
    if (key && !sameHex(c.signature, signCheckpoint(key, c.hash)))
      return { ...at, broken: { kind: 'signature', seq: c.seq } };
    prevHash = c.hash;
    lastSeq = BigInt(c.seq);
  }
  return { state: { prevHash, lastSeq }, broken: null };
}

function sameHex(a: string | null, b: string): boolean {
  if (a === null || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

export type LogBreak =
  | (ChainBreak & { shard?: number })
  | { kind: 'gap'; seq: string; expectedSeq: string; shard: number }
  // A checkpoint committed this event as its shard's newest: it is gone, or is now another event.
  | { kind: 'truncated' | 'checkpoint'; seq: string; shard: number; checkpointSeq: string };

/**
 * Verifies a log of both formats in one pass in seq order, keeping only each shard's head.
 * Format 1 events (shard null) must come first and form the old global chain (shard 0).
 */
export class ShardedLogVerifier {
  private readonly heads = new Map<number, { seq: string; hash: string }>();
  private legacy = { prevHash: GENESIS_HASH, lastSeq: 0n };
  private sharded = false;
  events = 0;
  last: { seq: string; hash: string } | null = null;

  /** Checks the next event in seq order; returns the break it shows, if any. */
  accept(event: LoggedEvent): LogBreak | null {
    const broken = event.shard === null ? this.acceptLegacy(event) : this.acceptSharded(event);
    if (broken) return broken;
    this.events += 1;
    this.last = { seq: event.seq, hash: event.hash };
    return null;
  }

  /** The newest verified event of a shard (null if none). */
  head(shard: number): { seq: string; hash: string } | null {
    return this.heads.get(shard) ?? null;
  }

  private acceptLegacy(event: LoggedEvent): LogBreak | null {
    // Nothing is written in format 1 once sharded writing began: a late one was forged or edited.
    if (this.sharded) return { kind: 'hash', seq: event.seq, id: event.id };
    const checked = verifyChainPage(this.legacy, [event]);
    if (checked.broken) return checked.broken;
    this.legacy = checked.state;
    this.heads.set(LEGACY_SHARD, { seq: event.seq, hash: event.hash });
    return null;
  }

  private acceptSharded(event: LoggedEvent): LogBreak | null {
    this.sharded = true;
    const shard = event.shard as number;
    const expected = this.heads.get(shard) ?? null;
    const fields: ShardedEventFields = { ...event, shard };
    // The event's own hash first: when it holds, the event is as written and any mismatch in
    // its links is the fault of what came before it in the shard.
    if (shard <= LEGACY_SHARD || hashShardedEvent(event.prevHash, fields) !== event.hash)
      return { kind: 'hash', seq: event.seq, id: event.id, shard };
    if (event.prevSeq !== (expected?.seq ?? null)) {
      const claimed = event.prevSeq === null ? null : BigInt(event.prevSeq);
      const missing =
        claimed !== null &&
        claimed < BigInt(event.seq) &&
        (expected === null || claimed > BigInt(expected.seq));
      return missing
        ? { kind: 'gap', seq: event.seq, expectedSeq: event.prevSeq as string, shard }
        : { kind: 'prev-hash', seq: event.seq, id: event.id, shard };
    }
    if (event.prevHash !== (expected?.hash ?? shardGenesisHash(shard)))
      return { kind: 'prev-hash', seq: event.seq, id: event.id, shard };
    this.heads.set(shard, { seq: event.seq, hash: event.hash });
    return null;
  }

  /**
   * After the last event: every head the checkpoint committed must still be in the log, with the
   * same hash. Returns the break with the lowest seq.
   */
  checkHeads(
    checkpoint: Pick<StoredCheckpoint, 'seq' | 'heads'>,
    stored: Map<string, LoggedEvent>,
  ): LogBreak | null {
    const breaks: LogBreak[] = [];
    for (const h of checkpoint.heads) {
      const event = stored.get(h.seq);
      const shardOf = event ? (event.shard ?? LEGACY_SHARD) : null;
      if (!event)
        breaks.push({
          kind: 'truncated',
          seq: h.seq,
          shard: h.shard,
          checkpointSeq: checkpoint.seq,
        });
      else if (event.hash !== h.hash || shardOf !== h.shard)
        breaks.push({
          kind: 'checkpoint',
          seq: h.seq,
          shard: h.shard,
          checkpointSeq: checkpoint.seq,
        });
    }
    breaks.sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1));
    return breaks[0] ?? null;
  }
}
