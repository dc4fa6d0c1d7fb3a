import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { Clock } from '../common/clock/clock.js';
import { pauseEvery } from '../common/event-loop.js';
import { AppConfig } from '../config/app-config.js';
import { AuditQuery, AuditRepository } from './audit.repository.js';
import { GENESIS_HASH } from './domain/audit-chain.js';
import {
  buildCheckpoint,
  CheckpointBreak,
  hashShardedEvent,
  LoggedEvent,
  LogBreak,
  shardGenesisHash,
  ShardHead,
  ShardedLogVerifier,
  StoredCheckpoint,
  verifyCheckpointPage,
} from './domain/audit-shards.js';

export interface AuditEventInput {
  actor: string;
  action: string;
  entityType:
    | 'api-key'
    | 'tenant'
    | 'incident'
    | 'notice'
    | 'delivery'
    | 'staff-session'
    | 'webhook'
    | 'tenant-session'
    | 'acknowledgement'
    | 'contact'
    | 'system';
  entityId?: string | null;
  incidentId?: string | null;
  change: Record<string, unknown>;
}

export interface CheckpointView {
  seq: string;
  hash: string;
  root: string;
  createdAt: string;
  /** Whether the checkpoint chain and the latest checkpoint's heads hold. */
  valid: boolean;
  /** `signed` and checked against AUDIT_CHECKPOINT_KEY, `unsigned`, or `unchecked` (no key here). */
  signature: 'signed' | 'unsigned' | 'unchecked';
  /** Events newer than the latest checkpoint: not yet protected against a cut-off tail. */
  eventsAfter: number;
  detail: string;
}

export interface AnchorCheck {
  seq: string;
  hash: string;
  matches: boolean;
  detail: string;
}

export interface VerifyResult {
  valid: boolean;
  events: number;
  firstBroken: (LogBreak & { detail: string }) | null;
  headSeq: string;
  headHash: string;
  /** When an anchor (a head recorded earlier, e.g. by an auditor) was given: whether the chain still holds it. */
  anchor?: AnchorCheck;
  /** When a checkpoint recorded earlier was given: whether it is still in the checkpoint chain. */
  checkpointAnchor?: AnchorCheck;
  /** The latest checkpoint, when there is one. */
  checkpoint?: CheckpointView;
}

/**
 * The append-only audit log every feature writes to, inside its own transaction. The log is
 * sharded (see domain/audit-shards.ts): each append locks one free shard, never the whole log.
 */
@Injectable()
export class AuditService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditService.name);
  // Appends of one transaction stay on the shard it holds (no second lock, no deadlock).
  private readonly held = new WeakMap<EntityManager, number>();
  private preferred = 1;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly repository: AuditRepository,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /** Appends events in the caller's transaction; the shard it locks is held until commit. */
  async append(manager: EntityManager, events: AuditEventInput[]): Promise<void> {
    if (events.length === 0) return;
    // Outside a transaction the shard lock would end with its own statement and two appends
    // could fork the shard's chain.
    if (!manager.queryRunner?.isTransactionActive)
      throw new Error('audit.append must run in the caller’s transaction (UnitOfWork.run)');
    const shards = this.config.get('AUDIT_SHARDS');
    const locked = await this.repository.lockShard(
      manager,
      shards,
      this.held.get(manager) ?? this.preferred,
      events.length,
    );
    this.held.set(manager, locked.shard);
    this.preferred = locked.shard;
    let prevSeq = locked.headSeq;
    let prevHash = locked.headHash ?? shardGenesisHash(locked.shard);
    const occurredAt = this.clock.now().toISOString();
    const rows: LoggedEvent[] = [];
    for (const [i, input] of events.entries()) {
      // A bulk call of 10,000 tenants hashes 10,000 events: let other work run between slices.
      await pauseEvery(i);
      const fields = {
        seq: locked.seqs[i],
        id: randomUUID(),
        occurredAt,
        actor: input.actor,
        action: input.action,
        entityType: input.entityType,
        entityId: input.entityId ?? null,
        incidentId: input.incidentId ?? null,
        // Through JSON once, so the hash covers exactly what jsonb will give back.
        change: JSON.parse(JSON.stringify(input.change)) as Record<string, unknown>,
        shard: locked.shard,
        prevSeq,
      };
      const hash = hashShardedEvent(prevHash, fields);
      rows.push({ ...fields, prevHash, hash });
      prevSeq = fields.seq;
      prevHash = hash;
    }
    await this.repository.insert(manager, rows, {
      shard: locked.shard,
      seq: prevSeq as string,
      hash: prevHash,
    });
  }

  find(query: AuditQuery): Promise<LoggedEvent[]> {
    return this.repository.find(query);
  }

  onApplicationBootstrap(): void {
    if (!this.config.runsWorkers) return;
    const every = this.config.get('AUDIT_CHECKPOINT_INTERVAL_MS');
    this.timer = setInterval(() => {
      // Every worker runs this timer: one checkpoint per interval is enough.
      this.checkpoint({ unlessYoungerThanMs: every / 2 }).catch((err: unknown) =>
        this.logger.warn({ msg: 'audit checkpoint failed', error: (err as Error).message }),
      );
    }, every);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /**
   * Commits every shard's newest event in a new checkpoint, unless another process is writing
   * one, nothing was appended since the last, or the last is younger than `unlessYoungerThanMs`.
   * Returns the checkpoint written, or null.
   */
  async checkpoint(
    options: { unlessYoungerThanMs?: number } = {},
  ): Promise<StoredCheckpoint | null> {
    const written = await this.repository.transaction(async (manager) => {
      if (!(await this.repository.tryCheckpointLock(manager))) return null;
      const [previous, heads] = await Promise.all([
        this.repository.latestCheckpoint(manager),
        this.repository.shardHeads(manager),
      ]);
      if (heads.length === 0) return null;
      const now = this.clock.now();
      if (
        previous &&
        options.unlessYoungerThanMs !== undefined &&
        now.getTime() - Date.parse(previous.createdAt) < options.unlessYoungerThanMs
      )
        return null;
      const key = (hs: ShardHead[]) => hs.map((h) => `${h.shard}:${h.seq}:${h.hash}`).join(',');
      const unchanged = previous !== null && key(previous.heads) === key(heads);
      if (unchanged) return null;
      const next = buildCheckpoint(
        previous,
        heads,
        now.toISOString(),
        this.config.get('AUDIT_CHECKPOINT_KEY'),
      );
      await this.repository.insertCheckpoint(manager, next);
      return next;
    });
    // Logged so that log shipping anchors it outside the database.
    if (written)
      this.logger.log({
        msg: 'audit checkpoint',
        checkpointSeq: written.seq,
        root: written.root,
        hash: written.hash,
        shards: written.heads.length,
      });
    return written;
  }

  /**
   * Recomputes every shard's chain page by page in one snapshot (memory stays flat: one head
   * per shard), checks the checkpoint chain and that the latest checkpoint's heads are all still
   * there, and names the first broken event. An `anchor` recorded earlier (seq and hash) is
   * also checked.
   */
  async verify(
    options: {
      anchor?: { seq: string; hash: string };
      checkpointAnchor?: { seq: string; hash: string };
      pageSize?: number;
    } = {},
  ): Promise<VerifyResult> {
    const pageSize = options.pageSize ?? 5000;
    return this.repository.snapshot(async (manager) => {
      const verifier = new ShardedLogVerifier();
      let broken: LogBreak | null = null;
      let after = 0n;
      while (!broken) {
        const page = await this.repository.page(manager, after, pageSize);
        if (page.length === 0) break;
        for (const event of page) {
          broken = verifier.accept(event);
          if (broken) break;
        }
        after = BigInt(page[page.length - 1].seq);
      }
      const checkpoint = await this.verifyCheckpoints(manager, pageSize);
      if (!broken && checkpoint?.latest) {
        const stored = await this.repository.eventsAt(
          manager,
          checkpoint.latest.heads.map((h) => h.seq),
        );
        broken = verifier.checkHeads(checkpoint.latest, stored);
      }
      const result: VerifyResult = {
        valid: broken === null && (checkpoint?.view.valid ?? true),
        events: verifier.events,
        firstBroken: broken ? { ...broken, detail: describe(broken, verifier) } : null,
        headSeq: verifier.last?.seq ?? '0',
        headHash: verifier.last?.hash ?? GENESIS_HASH,
        ...(checkpoint ? { checkpoint: checkpoint.view } : {}),
      };
      if (options.anchor) {
        const anchor = await this.checkAnchor('event', options.anchor, (seq) =>
          this.repository.hashAt(manager, seq),
        );
        Object.assign(result, { valid: result.valid && anchor.matches, anchor });
      }
      if (options.checkpointAnchor) {
        const checkpointAnchor = await this.checkAnchor(
          'checkpoint',
          options.checkpointAnchor,
          async (seq) => (await this.repository.checkpointAt(manager, seq))?.hash ?? null,
        );
        Object.assign(result, {
          valid: result.valid && checkpointAnchor.matches,
          checkpointAnchor,
        });
      }
      return result;
    });
  }

  private async verifyCheckpoints(
    manager: EntityManager,
    pageSize: number,
  ): Promise<{ view: CheckpointView; latest: StoredCheckpoint | null } | null> {
    const key = this.config.get('AUDIT_CHECKPOINT_KEY');
    let state = { prevHash: GENESIS_HASH, lastSeq: 0n };
    let latest: StoredCheckpoint | null = null;
    let broken: CheckpointBreak | null = null;
    for (;;) {
      const page = await this.repository.checkpointPage(manager, state.lastSeq, pageSize);
      if (page.length === 0) break;
      const checked = verifyCheckpointPage(state, page, key);
      if (checked.broken) {
        broken = checked.broken;
        break;
      }
      state = checked.state;
      latest = page[page.length - 1];
    }
    const newest = broken ? null : latest;
    const shown =
      newest ?? (broken ? await this.repository.checkpointAt(manager, BigInt(broken.seq)) : null);
    if (!shown) return null;
    const headSeqs = shown.heads.map((h) => BigInt(h.seq));
    const covered = headSeqs.reduce((a, b) => (a > b ? a : b), 0n);
    return {
      latest: newest,
      view: {
        seq: shown.seq,
        hash: shown.hash,
        root: shown.root,
        createdAt: shown.createdAt,
        valid: broken === null,
        signature: key ? 'signed' : shown.signature ? 'unchecked' : 'unsigned',
        eventsAfter: await this.repository.countAfter(manager, covered),
        detail: broken
          ? describeCheckpoint(broken)
          : `checkpoint ${shown.seq} commits the newest event of ${shown.heads.length} shard(s)`,
      },
    };
  }

  private async checkAnchor(
    what: 'event' | 'checkpoint',
    anchor: { seq: string; hash: string },
    storedHash: (seq: bigint) => Promise<string | null>,
  ): Promise<AnchorCheck> {
    const stored = await storedHash(BigInt(anchor.seq));
    const chain = what === 'event' ? 'the chain' : 'the checkpoint chain';
    if (stored === null)
      return {
        ...anchor,
        matches: false,
        detail: `${what} ${anchor.seq} is no longer in the log: ${chain} was cut back or rewritten`,
      };
    if (stored !== anchor.hash)
      return {
        ...anchor,
        matches: false,
        detail: `${what} ${anchor.seq} now has another hash: ${chain} up to it was rewritten`,
      };
    return {
      ...anchor,
      matches: true,
      detail: `${what} ${anchor.seq} still has the recorded hash`,
    };
  }
}

function describe(broken: LogBreak, verifier: ShardedLogVerifier): string {
  const shard = 'shard' in broken && broken.shard !== undefined ? ` of shard ${broken.shard}` : '';
  switch (broken.kind) {
    case 'gap':
      return `event ${broken.expectedSeq} is missing (next stored event${shard} is ${broken.seq}): deleted`;
    case 'prev-hash':
      return `event ${broken.seq} does not continue the chain${shard}: an earlier event was altered or removed`;
    case 'hash':
      return `event ${broken.seq} does not match its hash: it was altered after it was written`;
    case 'truncated': {
      const last = verifier.head(broken.shard);
      return `event ${broken.seq} is missing: checkpoint ${broken.checkpointSeq} committed it as the newest event of shard ${broken.shard}, which now ends at ${last ? `event ${last.seq}` : 'nothing'}: its newest events were cut off`;
    }
    case 'checkpoint':
      return `event ${broken.seq} is not the event checkpoint ${broken.checkpointSeq} committed as the newest of shard ${broken.shard}: it was rewritten`;
  }
}

function describeCheckpoint(broken: CheckpointBreak): string {
  switch (broken.kind) {
    case 'gap':
      return `checkpoint ${broken.expectedSeq} is missing (next stored is ${broken.seq}): deleted`;
    case 'prev-hash':
      return `checkpoint ${broken.seq} does not continue the checkpoint chain`;
    case 'hash':
      return `checkpoint ${broken.seq} does not match its hash: it was altered`;
    case 'root':
      return `checkpoint ${broken.seq} has a Merkle root that does not match its heads`;
    case 'signature':
      return `checkpoint ${broken.seq} is not signed with AUDIT_CHECKPOINT_KEY`;
  }
}
