import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { Clock } from '../common/clock/clock.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { AppConfig } from '../config/app-config.js';
import type {
  NoticeRenderContext,
  TenantRenderFacts,
} from '../notices/notice-rendering.service.js';
import { NoticeRenderingService } from '../notices/notice-rendering.service.js';
import { DeliveryRecorder, RecordedOutcome } from './delivery-recorder.service.js';
import { ClaimedDelivery, DeliveryRepository, FeedPostRow } from './delivery.repository.js';
import { FeedPublisher } from './feed-publisher.service.js';
import { AttemptResult, decideOutcome, RetryPolicy } from './domain/delivery-outcome.js';
import { GROUP_MAILER } from '../mail/group-mailer.provider.js';
import type { GroupMailer } from '../mail/group-mailer.js';
import type { BodyHoles } from '../mail/message-builder.js';
import type { Mailer } from '../mail/mailer.js';
import { MAILER } from '../mail/mailer.provider.js';
import { MailSendError } from '../mail/smtp-errors.js';
import { NoticeContextCache } from './notice-context-cache.js';
import { BounceService } from './bounces/bounce.service.js';
import { SendSlots } from './domain/send-slots.js';

/**
 * Send slots per pooled connection: emails handed to the relay and not yet recorded (one on the
 * wire, the others waiting for a connection, or sent and waiting for their outcome's commit).
 * SMTP_POOL_SIZE times this bounds the messages a crash can make go out twice.
 */
export const MESSAGES_IN_FLIGHT_PER_CONNECTION = 4;
/**
 * Emails claimed ahead of the send slots, per pooled connection: claimed, rendered and waiting
 * for a slot. A crash cannot send them twice (they never reached the relay; their leases run
 * out and any worker claims them again), so they are not part of that bound; claiming them ahead
 * keeps a claim, a render and a commit from standing between one send and the next.
 */
export const MESSAGES_CLAIMED_AHEAD_PER_CONNECTION = 4;
const IDLE_MIN_MS = 20;
const IDLE_MAX_MS = 500;
/**
 * A claim walks the claim index from after the last delivery this process claimed: the index's
 * first entries are deliveries already sent (dead until vacuum reaches them), and walking them
 * on every claim cost 14.6 ms a claim behind 400,000 sent. It walks from the start again when new
 * work is committed (wake), when a retry falls due, when nothing is left after its position, and
 * at least this often, so a tighter deadline behind the position waits at most this long.
 */
const WALK_FROM_START_EVERY_MS = 1000;

/**
 * Sends queued deliveries, earliest notice deadline first across every notice and incident:
 * claims a few at a time in deadline order (SKIP LOCKED, so worker processes share the work),
 * renders them while earlier ones are on the wire, lets at most SMTP_POOL_SIZE ×
 * MESSAGES_IN_FLIGHT_PER_CONNECTION emails be between the relay and their recorded outcome (the
 * send slots), renews the leases of everything it holds, and hands each outcome to the
 * write-behind recorder.
 * A crash loses nothing: the leases run out and any worker claims the deliveries again; only
 * messages accepted by the relay but not yet recorded can go out twice.
 */
@Injectable()
export class DeliverySender implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliverySender.name);
  private readonly mailFrom: string;
  private readonly messageIdDomain: string;
  /** Emails held at most: in the send slots, or claimed ahead of them. */
  private readonly capacity: number;
  private readonly slots: SendSlots;
  private readonly leaseMs: number;
  private readonly policy: RetryPolicy;
  /** Claimed and not yet recorded: their leases are renewed. */
  private readonly held = new Map<string, ClaimedDelivery>();
  /** Attempts in progress here. A lease that ran out under load can be claimed back by this very
   * process while its first attempt still waits for the relay: that attempt is the one that counts. */
  private readonly inProgress = new Set<string>();
  /** Emails held: claimed and not yet recorded. */
  private heldEmails = 0;
  private running = false;
  private loop: Promise<void> | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private wakeUp: (() => void) | null = null;
  private readonly attempts = new Set<Promise<void>>();
  private lastRender: { key: string; email: ReturnType<NoticeRenderingService['email']> } | null =
    null;
  /** Where the next claim's walk starts (after this delivery), or null: from the start. */
  private claimFrom: ClaimedDelivery | null = null;
  private walkedFromStartAt = 0;
  /** Set by wake(), also while a claim is under way: the next claim walks from the start. */
  private walkFromStart = false;

  constructor(
    private readonly repository: DeliveryRepository,
    private readonly recorder: DeliveryRecorder,
    private readonly contexts: NoticeContextCache,
    private readonly rendering: NoticeRenderingService,
    private readonly feed: FeedPublisher,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    @Inject(GROUP_MAILER) private readonly groupMailer: GroupMailer,
    @Inject(MAILER) private readonly mailer: Mailer,
    private readonly bounces: BounceService,
  ) {
    this.mailFrom = config.get('MAIL_FROM');
    this.messageIdDomain = config.messageIdDomain;
    const connections = config.get('SMTP_POOL_SIZE');
    this.slots = new SendSlots(Math.max(2, connections * MESSAGES_IN_FLIGHT_PER_CONNECTION));
    this.capacity =
      this.slots.size + Math.max(2, connections * MESSAGES_CLAIMED_AHEAD_PER_CONNECTION);
    this.leaseMs = config.get('DELIVERY_LEASE_MS');
    this.policy = {
      maxAttempts: config.get('DELIVERY_MAX_ATTEMPTS'),
      baseMs: config.get('DELIVERY_RETRY_BASE_MS'),
    };
  }

  onApplicationBootstrap(): void {
    if (!this.config.runsWorkers) return;
    this.running = true;
    this.renewTimer = setInterval(() => void this.renewLeases(), Math.max(100, this.leaseMs / 3));
    this.loop = this.run();
  }

  /**
   * There may be new work (a fan-out page was committed, a retry fell due): look now, from the
   * start of the claim index, instead of at the next poll.
   */
  wake(): void {
    this.walkFromStart = true;
    this.resume();
  }

  /** A slot was freed: claim again now (from where the last claim ended). */
  private resume(): void {
    this.wakeUp?.();
  }

  /** Shutdown: stop claiming, finish and record the sends in flight, give back what never went out, close the pool. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    await this.loop;
    while (this.attempts.size) await Promise.all(this.attempts);
    await this.recorder.drain();
    if (this.renewTimer) clearInterval(this.renewTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.repository.releaseLeases([...this.held.keys()]);
    await this.groupMailer.close();
    await this.mailer.close();
    this.logger.log({ msg: 'delivery sender stopped' });
  }

  private async run(): Promise<void> {
    let idleMs = IDLE_MIN_MS;
    while (this.running) {
      // Claim a few at a time (fewer round trips), never more emails than may be held.
      const room = this.capacity - this.heldEmails;
      if (room < Math.ceil(this.capacity / 4)) {
        await this.idle(IDLE_MAX_MS);
        continue;
      }
      let claimed: ClaimedDelivery[] = [];
      const from =
        !this.walkFromStart && performance.now() - this.walkedFromStartAt < WALK_FROM_START_EVERY_MS
          ? this.claimFrom
          : null;
      this.walkFromStart = false;
      try {
        if (!from) this.walkedFromStartAt = performance.now();
        claimed = await this.repository.claimNext(
          room,
          this.leaseMs,
          this.clock.now(),
          'mail-and-feed',
          from ?? undefined,
        );
      } catch (err) {
        this.logger.warn({ msg: 'claiming deliveries failed', error: (err as Error).message });
      }
      this.claimFrom = claimed.length ? claimed[claimed.length - 1] : null;
      // Nothing after the position: look from the start before idling.
      if (claimed.length === 0 && from) continue;
      if (claimed.length === 0) {
        await this.idle(idleMs);
        idleMs = Math.min(IDLE_MAX_MS, idleMs * 2);
        continue;
      }
      idleMs = IDLE_MIN_MS;
      const fresh = claimed.filter((d) => !this.inProgress.has(d.id));
      for (const unit of this.sendUnits(fresh)) {
        for (const d of unit) {
          this.inProgress.add(d.id);
          this.held.set(d.id, d);
          // Only emails count: a feed post written twice is one post (its unique key).
          if (d.channel === 'email') this.heldEmails++;
        }
        const attempt = this.attempt(unit).finally(() => {
          this.attempts.delete(attempt);
        });
        this.attempts.add(attempt);
      }
    }
  }

  /**
   * Claims come in (deadline, tenant) order: a tenant's email contacts of one notice that read
   * the same locale (in one claim) become one message with one RCPT TO each (rendered and composed once); the
   * relay answers each recipient on its own and each keeps its own record. Dashboard posts go
   * one by one.
   */
  private sendUnits(claimed: ClaimedDelivery[]): ClaimedDelivery[][] {
    const units: ClaimedDelivery[][] = [];
    // Within one claim: a tenant's dashboard post sorts among its emails by id.
    const open = new Map<string, ClaimedDelivery[]>();
    for (const d of claimed) {
      if (d.channel !== 'email' || !d.tenant) {
        units.push([d]);
        continue;
      }
      const key = `${d.noticeId} ${d.tenantId} ${d.locale ?? ''}`;
      const group = open.get(key);
      // No more recipients than there are send slots: a unit's emails all count against them.
      if (group && group.length < Math.min(this.groupMailer.maxRecipients, this.slots.size)) {
        group.push(d);
        continue;
      }
      const next = [d];
      open.set(key, next);
      units.push(next);
    }
    return units;
  }

  private idle(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }

  /**
   * Sends one claimed unit (a dashboard post, or one message to a group of a tenant's contacts)
   * and records the outcomes; never rejects. An email unit takes its send slots just before it
   * goes to the relay and gives them back once its outcomes are committed, so at most
   * `slots.size` emails are ever sent and not yet recorded: that is all a crash can make go out
   * twice.
   */
  private async attempt(unit: ClaimedDelivery[]): Promise<void> {
    try {
      const { outcomes, recorded } = await this.deliver(unit);
      if (!recorded) await this.record(outcomes);
      for (const o of outcomes) if (o.kind === 'retry') this.wakeAt(o.retry.nextAttemptAt);
    } catch (err) {
      // The lease runs out and the delivery is claimed again.
      this.logger.error({
        msg: 'delivery attempt failed',
        deliveryIds: unit.map((d) => d.id),
        error: (err as Error).message,
      });
    } finally {
      for (const d of unit) {
        this.held.delete(d.id);
        this.inProgress.delete(d.id);
        if (d.channel === 'email') this.heldEmails--;
      }
      this.resume();
    }
  }

  private async record(outcomes: RecordedOutcome[]): Promise<void> {
    await Promise.all(outcomes.map((o) => this.recorder.record(o)));
  }

  /** The unit's outcomes, and whether they are already recorded (a send's, in its slots). */
  private async deliver(
    unit: ClaimedDelivery[],
  ): Promise<{ outcomes: RecordedOutcome[]; recorded: boolean }> {
    const first = unit[0];
    if (!first.tenant) {
      const result: AttemptResult = {
        kind: 'permanent',
        error: 'tenant is no longer in the directory',
      };
      return { outcomes: unit.map((d) => this.decide(d, result, null)), recorded: false };
    }
    let ctx: NoticeRenderContext;
    let facts: TenantRenderFacts;
    try {
      ctx = await this.contexts.get(first.noticeId);
      facts = await this.feed.facts(first.tenantId, first.noticeDueAt, first.tenant);
    } catch (err) {
      const result = failure(err);
      return { outcomes: unit.map((d) => this.decide(d, result, null)), recorded: false };
    }
    if (first.channel === 'dashboard') {
      return { outcomes: [this.postToDashboard(first, ctx, facts)], recorded: false };
    }
    return await this.sendEmails(unit, ctx, facts);
  }

  private postToDashboard(
    d: ClaimedDelivery,
    ctx: NoticeRenderContext,
    facts: TenantRenderFacts,
  ): RecordedOutcome {
    let post;
    try {
      post = this.feed.prepare(ctx, facts);
    } catch (err) {
      return this.decide(d, failure(err), null);
    }
    return this.decide(
      d,
      { kind: 'sent' },
      { messageId: null, contentSha256: post.sha256 },
      this.feed.row(d, post, this.clock.now()),
    );
  }

  private decide(
    d: ClaimedDelivery,
    result: AttemptResult,
    sent: { messageId: string | null; contentSha256: string } | null,
    post?: FeedPostRow,
  ): RecordedOutcome {
    const decision = decideOutcome(
      { status: 'queued', attempts: d.attempts },
      result,
      this.policy,
      this.clock.now(),
      Math.random,
    );
    switch (decision.status) {
      case 'sent':
        return {
          kind: 'sent',
          delivery: d,
          sent: {
            id: d.id,
            sentAt: decision.at,
            messageId: sent!.messageId,
            contentSha256: sent!.contentSha256,
          },
          ...(post ? { post: { ...post, publishedAt: decision.at } } : {}),
        };
      case 'queued':
        return {
          kind: 'retry',
          delivery: d,
          retry: {
            id: d.id,
            error: decision.error,
            nextAttemptAt: decision.nextAttemptAt,
            attempts: d.attempts,
          },
        };
      case 'failed':
        return {
          kind: 'failed',
          delivery: d,
          failed: { id: d.id, error: decision.error, failedAt: decision.at },
        };
    }
  }

  /**
   * One message to the unit (same notice, tenant and locale); one outcome per recipient. Rendered
   * first, then sent once send slots are free, and recorded before the slots are given back.
   */
  private async sendEmails(
    unit: ClaimedDelivery[],
    ctx: NoticeRenderContext,
    facts: TenantRenderFacts,
  ): Promise<{ outcomes: RecordedOutcome[]; recorded: boolean }> {
    const first = unit[0];
    let email;
    const key = `${first.noticeId} ${first.tenantId} ${first.locale ?? ''}`;
    // A tenant's contacts split across two claims still get one rendering.
    if (this.lastRender?.key === key) email = this.lastRender.email;
    else {
      try {
        email = this.rendering.email(ctx, facts, first.locale ?? undefined);
      } catch (err) {
        const result: AttemptResult = {
          kind: 'temporary',
          error: `render failed: ${(err as Error).message}`.slice(0, 300),
        };
        return { outcomes: unit.map((d) => this.decide(d, result, null)), recorded: false };
      }
      this.lastRender = { key, email };
    }
    const taken = await this.slots.acquire(unit.length);
    try {
      // Stopping: what has not gone out is given back instead (its leases released).
      if (!this.running) {
        await this.giveBack(unit);
        return { outcomes: [], recorded: true };
      }
      // A lease was lost while waiting (another worker holds the delivery now): not twice.
      const group = unit.filter((d) => this.held.has(d.id));
      const outcomes = group.length ? await this.sendGroup(group, email, ctx) : [];
      await this.record(outcomes);
      return { outcomes, recorded: true };
    } finally {
      this.slots.release(taken);
    }
  }

  private async giveBack(unit: ClaimedDelivery[]): Promise<void> {
    try {
      await this.repository.releaseLeases(unit.map((d) => d.id));
    } catch (err) {
      // Their leases run out instead.
      this.logger.warn({
        msg: 'giving back claimed deliveries failed',
        error: (err as Error).message,
      });
    }
  }

  private async sendGroup(
    group: ClaimedDelivery[],
    email: ReturnType<NoticeRenderingService['email']>,
    ctx: NoticeRenderContext,
  ): Promise<RecordedOutcome[]> {
    const first = group[0];
    const end = this.metrics.sendDuration.startTimer({ channel: 'email' });
    let sent;
    try {
      sent = await this.groupMailer.sendGroup({
        from: this.mailFrom,
        to: group.map((d) => d.recipient),
        subject: email.subject,
        text: email.text,
        html: email.html,
        ...this.holesOf(email),
        // The group's first delivery names the message; every record of the group stores it.
        messageId: `<${first.id}@${this.messageIdDomain}>`,
        date: first.queuedAt,
        // VERP: names the message (notice, tenant), so a DSN finds it; Final-Recipient the contact.
        returnPath: this.bounces.returnPath(first.noticeId, first.tenantId),
        headers: {
          'X-Herald-Delivery': group.map((d) => d.id).join(', '),
          'X-Herald-Notice': first.noticeId,
          'X-Herald-Incident': ctx.incident.externalId,
        },
      });
    } catch (err) {
      const result = failure(err);
      return group.map((d) => this.decide(d, result, null));
    } finally {
      end();
    }
    const sha = this.rendering.renderer.emailSha256(email);
    return group.map((d, i) => {
      const o = sent.outcomes[i];
      return o.accepted
        ? this.decide(d, { kind: 'sent' }, { messageId: sent.messageId, contentSha256: sha })
        : this.decide(d, failure(o.error), null);
    });
  }

  private holesOf(email: ReturnType<NoticeRenderingService['email']>): { holes?: BodyHoles } {
    const holes = this.rendering.renderer.holes(email);
    return holes ? { holes } : {};
  }

  /** Keeps the leases of everything held; drops what is no longer ours. */
  private async renewLeases(): Promise<void> {
    const ids = [...this.held.keys()];
    if (!ids.length) return;
    try {
      const renewed = new Set(
        await this.repository.renewLeases(ids, this.leaseMs, this.clock.now()),
      );
      for (const id of ids) if (!renewed.has(id)) this.held.delete(id);
    } catch (err) {
      this.logger.warn({
        msg: 'renewing leases failed',
        held: ids.length,
        error: (err as Error).message,
      });
    }
  }

  private wakeAt(at: Date): void {
    const ms = Math.max(0, at.getTime() - this.clock.nowMs());
    if (ms >= IDLE_MAX_MS || !this.running) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.wake(), ms);
  }
}

/** A failed attempt, classified: a MailSendError says temporary or permanent; anything else is temporary. */
function failure(err: unknown): AttemptResult {
  const mailError = err instanceof MailSendError ? err : null;
  const reason = mailError ? mailError.message : `unexpected: ${(err as Error).message}`;
  return {
    kind: mailError?.kind === 'permanent' ? 'permanent' : 'temporary',
    error: reason.slice(0, 500),
  };
}
