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
import { RegulationsService } from '../regulations/regulations.service.js';
import { DeliveryRecorder, RecordedOutcome } from './delivery-recorder.service.js';
import { ClaimedDelivery, DeliveryRepository, FeedPostRow } from './delivery.repository.js';
import { AttemptResult, decideOutcome, RetryPolicy } from './domain/delivery-outcome.js';
import { MAILER } from '../mail/mailer.provider.js';
import { MailSendError, type Mailer } from '../mail/mailer.js';
import { NoticeContextCache } from './notice-context-cache.js';
import { BounceService } from './bounces/bounce.service.js';
import { contentSha256 } from '../common/domain/content-hash.js';

/**
 * Messages per pooled connection claimed and not yet recorded: one on the wire, the others
 * rendered and waiting for a connection, or sent and waiting for their outcome's commit.
 * SMTP_POOL_SIZE times this bounds the messages a crash can make go out twice.
 */
export const MESSAGES_IN_FLIGHT_PER_CONNECTION = 4;
const IDLE_MIN_MS = 20;
const IDLE_MAX_MS = 500;

/**
 * Sends queued deliveries, earliest notice deadline first across every notice and incident:
 * claims a few at a time in deadline order (SKIP LOCKED, so worker processes share the work),
 * holds at most SMTP_POOL_SIZE × MESSAGES_IN_FLIGHT_PER_CONNECTION deliveries between claim and
 * recorded outcome, renews their leases meanwhile, and hands each outcome to the write-behind
 * recorder.
 * A crash loses nothing: the leases run out and any worker claims the deliveries again; only
 * messages accepted by the relay but not yet recorded can go out twice.
 */
@Injectable()
export class DeliverySender implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliverySender.name);
  private readonly mailFrom: string;
  private readonly messageIdDomain: string;
  private readonly capacity: number;
  private readonly leaseMs: number;
  private readonly policy: RetryPolicy;
  /** Claimed and not yet recorded: their leases are renewed. */
  private readonly held = new Map<string, ClaimedDelivery>();
  private active = 0;
  private running = false;
  private loop: Promise<void> | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private wakeUp: (() => void) | null = null;
  private readonly attempts = new Set<Promise<void>>();
  private lastRender: { key: string; email: ReturnType<NoticeRenderingService['email']> } | null =
    null;

  constructor(
    private readonly repository: DeliveryRepository,
    private readonly recorder: DeliveryRecorder,
    private readonly contexts: NoticeContextCache,
    private readonly rendering: NoticeRenderingService,
    private readonly regulations: RegulationsService,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    @Inject(MAILER) private readonly mailer: Mailer,
    private readonly bounces: BounceService,
  ) {
    this.mailFrom = config.get('MAIL_FROM');
    this.messageIdDomain = config.messageIdDomain;
    this.capacity = Math.max(2, config.get('SMTP_POOL_SIZE') * MESSAGES_IN_FLIGHT_PER_CONNECTION);
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

  /** There may be new work (a fan-out page was committed): look now instead of at the next poll. */
  wake(): void {
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
    await this.mailer.close();
    this.logger.log({ msg: 'delivery sender stopped' });
  }

  private async run(): Promise<void> {
    let idleMs = IDLE_MIN_MS;
    while (this.running) {
      // Claim a few at a time (fewer round trips), never more emails than there are slots.
      const room = this.capacity - this.active;
      if (room < Math.ceil(this.capacity / 4)) {
        await this.idle(IDLE_MAX_MS);
        continue;
      }
      let claimed: ClaimedDelivery[] = [];
      try {
        claimed = await this.repository.claimNext(room, this.leaseMs, this.clock.now());
      } catch (err) {
        this.logger.warn({ msg: 'claiming deliveries failed', error: (err as Error).message });
      }
      if (claimed.length === 0) {
        await this.idle(idleMs);
        idleMs = Math.min(IDLE_MAX_MS, idleMs * 2);
        continue;
      }
      idleMs = IDLE_MIN_MS;
      for (const d of claimed) {
        this.held.set(d.id, d);
        // Only emails take a slot: a feed post written twice is one post (its unique key).
        if (d.channel === 'email') this.active++;
        const attempt = this.attempt(d).finally(() => {
          this.attempts.delete(attempt);
        });
        this.attempts.add(attempt);
      }
    }
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
   * Sends one claimed delivery and records the outcome; never rejects. Its slot is held until the
   * outcome is committed, so at most `capacity` messages are ever sent and not yet recorded:
   * that is all a crash can make go out twice.
   */
  private async attempt(d: ClaimedDelivery): Promise<void> {
    try {
      const outcome = await this.deliver(d);
      if (!outcome) return;
      await this.recorder.record(outcome);
      if (outcome.kind === 'retry') this.wakeAt(outcome.retry.nextAttemptAt);
    } catch (err) {
      // The lease runs out and the delivery is claimed again.
      this.logger.error({
        msg: 'delivery attempt failed',
        deliveryId: d.id,
        error: (err as Error).message,
      });
    } finally {
      this.held.delete(d.id);
      if (d.channel === 'email') this.active--;
      this.wake();
    }
  }

  private async deliver(d: ClaimedDelivery): Promise<RecordedOutcome | null> {
    const end = this.metrics.sendDuration.startTimer({ channel: d.channel });
    let result: AttemptResult;
    let sent: { messageId: string | null; contentSha256: string } | null = null;
    let post: FeedPostRow | undefined;
    try {
      if (!d.tenant) {
        result = { kind: 'permanent', error: 'tenant is no longer in the directory' };
      } else {
        const ctx = await this.contexts.get(d.noticeId);
        const facts = await this.facts(d);
        if (d.channel === 'dashboard') {
          const rendered = this.rendering.post(ctx, facts);
          const sha = contentSha256({
            title: rendered.title,
            text: rendered.text,
            html: rendered.html,
          });
          sent = { messageId: null, contentSha256: sha };
          post = {
            tenantId: d.tenantId,
            noticeId: d.noticeId,
            incidentId: d.incidentId,
            deliveryId: d.id,
            title: rendered.title,
            contentHtml: rendered.html,
            contentText: rendered.text,
            locale: rendered.locale,
            contentSha256: sha,
            publishedAt: this.clock.now(),
          };
          result = { kind: 'sent' };
        } else {
          // The lease was lost (another worker holds the delivery now): do not send it twice.
          if (!this.held.has(d.id)) return null;
          sent = await this.sendEmail(d, ctx, facts);
          result = { kind: 'sent' };
        }
      }
    } catch (err) {
      const mailError = err instanceof MailSendError ? err : null;
      const reason = mailError ? mailError.message : `unexpected: ${(err as Error).message}`;
      result = {
        kind: mailError?.kind === 'permanent' ? 'permanent' : 'temporary',
        error: reason.slice(0, 500),
      };
    } finally {
      end();
    }
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

  private async facts(d: ClaimedDelivery): Promise<TenantRenderFacts> {
    const t = d.tenant!;
    return {
      tenant: { id: d.tenantId, name: t.name, locale: t.locale, timeZone: t.timeZone },
      noticeDueAt: d.noticeDueAt.toISOString(),
      obligations: await this.regulations.expand(t.rulesVersion, t.obligations),
    };
  }

  private async sendEmail(
    d: ClaimedDelivery,
    ctx: NoticeRenderContext,
    facts: TenantRenderFacts,
  ): Promise<{ messageId: string; contentSha256: string }> {
    let email;
    const key = `${d.noticeId} ${d.tenantId} ${d.locale ?? ''}`;
    // Claims come in tenant order: a tenant's contacts that share a locale get one rendering.
    if (this.lastRender?.key === key) email = this.lastRender.email;
    else {
      try {
        email = this.rendering.email(ctx, facts, d.locale ?? undefined);
      } catch (err) {
        throw new MailSendError(
          'temporary',
          `render failed: ${(err as Error).message}`.slice(0, 300),
        );
      }
      this.lastRender = { key, email };
    }
    const messageId = `<${d.id}@${this.messageIdDomain}>`;
    const result = await this.mailer.send({
      from: this.mailFrom,
      to: d.recipient,
      subject: email.subject,
      text: email.text,
      html: email.html,
      messageId,
      date: d.queuedAt,
      // VERP: names the message (notice, tenant), so a DSN finds it; Final-Recipient the contact.
      returnPath: this.bounces.returnPath(d.noticeId, d.tenantId),
      headers: {
        'X-Herald-Delivery': d.id,
        'X-Herald-Notice': d.noticeId,
        'X-Herald-Incident': ctx.incident.externalId,
      },
    });
    return {
      messageId: result.messageId,
      contentSha256: contentSha256({ subject: email.subject, text: email.text, html: email.html }),
    };
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
