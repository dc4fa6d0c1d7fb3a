import { Injectable, Logger } from '@nestjs/common';
import { AuditEventInput, AuditService } from '../audit/audit.service.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { sentEvent } from './delivery-audit-events.js';
import { DeliveryCompletion } from './delivery-completion.service.js';
import {
  ClaimedDelivery,
  DeliveryRepository,
  FailedOutcome,
  FeedPostRow,
  RetryOutcome,
  SentOutcome,
} from './delivery.repository.js';

/** What one attempt of a claimed delivery came to, ready to be stored. */
export type RecordedOutcome =
  | { kind: 'sent'; delivery: ClaimedDelivery; sent: SentOutcome; post?: FeedPostRow }
  | { kind: 'retry'; delivery: ClaimedDelivery; retry: RetryOutcome }
  | { kind: 'failed'; delivery: ClaimedDelivery; failed: FailedOutcome };

interface Pending {
  outcome: RecordedOutcome;
  done: () => void;
  fail: (err: unknown) => void;
}

const MAX_GROUP = 500;
const RETRY_FLUSH_MS = 250;
// How long the first outcome of a group waits for others: one commit for a few milliseconds of
// sends instead of one per email (measured: 1 commit and 4.5 statements per email without it).
const GATHER_MS = 3;
// A notice's completion check runs at most this often while its outcomes keep coming.
const COMPLETION_EVERY_MS = 250;
// Shared dashboard post bodies this process saw committed (keys), oldest forgotten first.
const STORED_BODIES = 1024;

/**
 * Write-behind recording of send outcomes. Each outcome is written within milliseconds of the
 * relay's answer: while one transaction is being committed, the outcomes that arrive meanwhile
 * wait and go together in the next one (group commit). After a crash, only messages accepted in
 * that short window (and those on the wire) can be sent twice.
 *
 * A row is changed only while still queued, and its audit event is written only when the
 * statement changed it (RETURNING), so an outcome recorded twice leaves one record and one event.
 */
@Injectable()
export class DeliveryRecorder {
  private readonly logger = new Logger(DeliveryRecorder.name);
  private buffer: Pending[] = [];
  private flushing: Promise<void> | null = null;
  // Notices to check for completion, off the flush path so the next group is not held up.
  private readonly toComplete = new Map<string, string>();
  private completing: Promise<void> | null = null;
  // Bodies known to be in feed_post_bodies, so a post sends only its name: added once their
  // transaction committed, all forgotten when a write fails (a body another process removed,
  // with its incident's records, is written again on the retry).
  private readonly storedBodies = new Set<string>();

  constructor(
    private readonly repository: DeliveryRepository,
    private readonly audit: AuditService,
    private readonly uow: UnitOfWork,
    private readonly completion: DeliveryCompletion,
    private readonly metrics: MetricsService,
  ) {}

  /** Resolves once the outcome is committed. */
  record(outcome: RecordedOutcome): Promise<void> {
    return new Promise<void>((done, fail) => {
      this.buffer.push({ outcome, done, fail });
      this.flushing ??= this.flushAll();
    });
  }

  /** Waits until everything handed to record() is committed. */
  async drain(): Promise<void> {
    while (this.flushing || this.completing) {
      await this.flushing;
      await this.completing;
    }
  }

  private async flushAll(): Promise<void> {
    try {
      await new Promise((r) => setTimeout(r, GATHER_MS));
      while (this.buffer.length) {
        const group = this.buffer.splice(0, MAX_GROUP);
        await this.flushWithRetry(group);
      }
    } finally {
      this.flushing = null;
    }
  }

  // The relay has the messages: their outcome must not be dropped because Postgres blinked.
  // Leases stay renewed while the outcome waits, so no other worker sends them again meanwhile.
  private async flushWithRetry(group: Pending[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.write(group.map((p) => p.outcome));
        for (const p of group) {
          p.done();
          this.toComplete.set(p.outcome.delivery.noticeId, p.outcome.delivery.incidentId);
        }
        this.completing ??= new Promise((r) => setTimeout(r, COMPLETION_EVERY_MS)).then(() =>
          this.completeNotices(),
        );
        return;
      } catch (err) {
        this.storedBodies.clear();
        if (attempt >= 20) {
          for (const p of group) p.fail(err);
          return;
        }
        this.logger.warn({
          msg: 'recording send outcomes failed; trying again',
          outcomes: group.length,
          attempt,
          error: (err as Error).message,
        });
        await new Promise((r) => setTimeout(r, RETRY_FLUSH_MS * Math.min(attempt, 8)));
      }
    }
  }

  private async write(outcomes: RecordedOutcome[]): Promise<void> {
    const sent = outcomes.flatMap((o) => (o.kind === 'sent' ? [o] : []));
    const retries = outcomes.flatMap((o) => (o.kind === 'retry' ? [o] : []));
    const failed = outcomes.flatMap((o) => (o.kind === 'failed' ? [o] : []));
    let bodies: string[] = [];
    const changed = await this.uow.run(async (manager) => {
      const sentIds = await this.repository.markSent(
        manager,
        sent.map((o) => o.sent),
      );
      bodies = await this.repository.insertFeedPosts(
        manager,
        sent.flatMap((o) => (o.post && sentIds.has(o.delivery.id) ? [o.post] : [])),
        this.storedBodies,
      );
      const retryIds = await this.repository.markRetry(
        manager,
        retries.map((o) => o.retry),
      );
      const failedIds = await this.repository.markFailed(
        manager,
        failed.map((o) => o.failed),
      );
      const ids = new Set([...sentIds, ...retryIds, ...failedIds]);
      await this.audit.append(
        manager,
        outcomes.filter((o) => ids.has(o.delivery.id)).map(auditEvent),
      );
      return ids;
    });
    for (const key of bodies) this.storedBodies.add(key);
    while (this.storedBodies.size > STORED_BODIES)
      this.storedBodies.delete(this.storedBodies.values().next().value as string);
    for (const o of outcomes) {
      if (!changed.has(o.delivery.id)) continue;
      const outcome = o.kind === 'sent' ? 'sent' : o.kind === 'retry' ? 'retry' : 'failed';
      this.metrics.deliveries.inc({ channel: o.delivery.channel, outcome });
    }
  }

  private async completeNotices(): Promise<void> {
    try {
      while (this.toComplete.size) {
        const [noticeId, incidentId] = this.toComplete.entries().next().value as [string, string];
        this.toComplete.delete(noticeId);
        try {
          await this.completion.completeIfDone(noticeId, incidentId);
        } catch (err) {
          // The notice's next outcome, or the reconciler, tries again.
          this.logger.warn({
            msg: 'completion check failed',
            noticeId,
            error: (err as Error).message,
          });
        }
      }
    } finally {
      this.completing = null;
    }
  }
}

function auditEvent(o: RecordedOutcome): AuditEventInput {
  const d = o.delivery;
  const subject = { entityType: 'delivery' as const, entityId: d.id, incidentId: d.incidentId };
  switch (o.kind) {
    case 'sent':
      return sentEvent(d, o.sent, 'queued');
    case 'retry':
      return {
        actor: 'system',
        action: 'delivery.retry-scheduled',
        ...subject,
        change: {
          attempts: d.attempts,
          error: o.retry.error,
          nextAttemptAt: o.retry.nextAttemptAt.toISOString(),
        },
      };
    case 'failed':
      return {
        actor: 'system',
        action: 'delivery.failed',
        ...subject,
        change: {
          status: { from: 'queued', to: 'failed' },
          channel: d.channel,
          recipient: d.recipient,
          tenantId: d.tenantId,
          noticeId: d.noticeId,
          attempts: d.attempts,
          error: o.failed.error,
        },
      };
  }
}
