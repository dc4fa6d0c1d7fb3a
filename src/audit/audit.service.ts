import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { Clock } from '../common/clock/clock.js';
import { pauseEvery } from '../common/event-loop.js';
import { AuditQuery, AuditRepository } from './audit.repository.js';
import {
  ChainBreak,
  GENESIS_HASH,
  hashEvent,
  StoredEvent,
  verifyChainPage,
} from './domain/audit-chain.js';

export interface AuditEventInput {
  actor: string;
  action: string;
  entityType:
    'api-key' | 'tenant' | 'incident' | 'notice' | 'delivery' | 'staff-session' | 'system';
  entityId?: string | null;
  incidentId?: string | null;
  change: Record<string, unknown>;
}

export interface VerifyResult {
  valid: boolean;
  events: number;
  firstBroken: (ChainBreak & { detail: string }) | null;
  headSeq: string;
  headHash: string;
  /** When an anchor (a head recorded earlier, e.g. by an auditor) was given: whether the chain still holds it. */
  anchor?: { seq: string; hash: string; matches: boolean; detail: string };
}

/** The append-only, hash-chained log every feature writes to, inside its own transaction. */
@Injectable()
export class AuditService {
  constructor(
    private readonly repository: AuditRepository,
    private readonly clock: Clock,
  ) {}

  /** Appends events in the caller's transaction: call it last, since it holds the chain lock until commit. */
  async append(manager: EntityManager, events: AuditEventInput[]): Promise<void> {
    if (events.length === 0) return;
    const head = await this.repository.lockHead(manager);
    let seq = head?.seq ?? 0n;
    let prevHash = head?.hash ?? GENESIS_HASH;
    const occurredAt = this.clock.now().toISOString();
    const rows: StoredEvent[] = [];
    for (const [index, input] of events.entries()) {
      // A bulk call of 10,000 tenants hashes 10,000 events: let other work run between slices.
      await pauseEvery(index);
      seq += 1n;
      const fields = {
        seq: seq.toString(),
        id: randomUUID(),
        occurredAt,
        actor: input.actor,
        action: input.action,
        entityType: input.entityType,
        entityId: input.entityId ?? null,
        incidentId: input.incidentId ?? null,
        // Through JSON once, so the hash covers exactly what jsonb will give back.
        change: JSON.parse(JSON.stringify(input.change)) as Record<string, unknown>,
      };
      const hash = hashEvent(prevHash, fields);
      rows.push({ ...fields, prevHash, hash });
      prevHash = hash;
    }
    await this.repository.insert(manager, rows);
  }

  find(query: AuditQuery): Promise<StoredEvent[]> {
    return this.repository.find(query);
  }

  /**
   * Recomputes the whole chain page by page (memory stays flat) and names the first broken event.
   * A chain can only prove what lies before its head: an `anchor` recorded earlier (seq and hash)
   * also catches a removed tail or a wholesale rewrite.
   */
  async verify(
    options: { anchor?: { seq: string; hash: string }; pageSize?: number } = {},
  ): Promise<VerifyResult> {
    const pageSize = options.pageSize ?? 5000;
    let state = { prevHash: GENESIS_HASH, lastSeq: 0n };
    let count = 0;
    let result: VerifyResult | null = null;
    for (;;) {
      const page = await this.repository.page(state.lastSeq, pageSize);
      if (page.length === 0) break;
      const checked = verifyChainPage(state, page);
      if (checked.broken) {
        result = {
          valid: false,
          events: count + Number(checked.state.lastSeq - state.lastSeq),
          firstBroken: { ...checked.broken, detail: describe(checked.broken) },
          headSeq: checked.state.lastSeq.toString(),
          headHash: checked.state.prevHash,
        };
        break;
      }
      count += page.length;
      state = checked.state;
    }
    result ??= {
      valid: true,
      events: count,
      firstBroken: null,
      headSeq: state.lastSeq.toString(),
      headHash: state.prevHash,
    };
    if (!options.anchor) return result;
    const anchor = await this.checkAnchor(options.anchor);
    return { ...result, valid: result.valid && anchor.matches, anchor };
  }

  private async checkAnchor(anchor: {
    seq: string;
    hash: string;
  }): Promise<NonNullable<VerifyResult['anchor']>> {
    const stored = await this.repository.hashAt(BigInt(anchor.seq));
    if (stored === null)
      return {
        ...anchor,
        matches: false,
        detail: `event ${anchor.seq} is no longer in the log: the chain was cut back or rewritten`,
      };
    if (stored !== anchor.hash)
      return {
        ...anchor,
        matches: false,
        detail: `event ${anchor.seq} now has another hash: the chain up to it was rewritten`,
      };
    return { ...anchor, matches: true, detail: `event ${anchor.seq} still has the recorded hash` };
  }
}

function describe(broken: ChainBreak): string {
  switch (broken.kind) {
    case 'gap':
      return `event ${broken.expectedSeq} is missing (next stored event is ${broken.seq}): deleted`;
    case 'prev-hash':
      return `event ${broken.seq} does not continue the chain: an earlier event was altered or removed`;
    case 'hash':
      return `event ${broken.seq} does not match its hash: it was altered after it was written`;
  }
}
