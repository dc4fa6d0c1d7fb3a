import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Clock } from '../common/clock/clock.js';
import { AppConfig } from '../config/app-config.js';
import { NoticeRenderingService } from '../notices/notice-rendering.service.js';
import { RegulationsService } from '../regulations/regulations.service.js';
import {
  messageIdOf,
  noticeEvent,
  payloadBody,
  WebhookEvent,
} from '../webhooks/domain/webhook-events.js';
import { nextAttemptAt, WebhookAttemptResult } from '../webhooks/domain/webhook-response.js';
import { WebhooksService } from '../webhooks/webhooks.service.js';
import { DeliveryRecorder, RecordedOutcome } from './delivery-recorder.service.js';
import { ClaimedDelivery, DeliveryRepository } from './delivery.repository.js';
import { decideOutcome, RetryPolicy } from './domain/delivery-outcome.js';
import { NoticeContextCache } from './notice-context-cache.js';

const CAPACITY = 16;
const IDLE_MIN_MS = 20;
const IDLE_MAX_MS = 500;

/**
 * Sends the `webhook` deliveries: the same claim as email (earliest notice deadline first, SKIP
 * LOCKED, leases renewed while held, a crashed worker's lease simply runs out), its own loop so
 * a slow receiver never holds up the mail. Each call carries the notice as the tenant's
 * dashboard post, with its obligations, under a `webhook-id` derived from the delivery id: the
 * same on every retry. Outcomes go through the same recorder (and audit events) as email.
 */
@Injectable()
export class WebhookSender implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookSender.name);
  private readonly leaseMs: number;
  private readonly policy: RetryPolicy;
  private readonly held = new Set<string>();
  private readonly attempts = new Set<Promise<void>>();
  private running = false;
  private loop: Promise<void> | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  private wakeUp: (() => void) | null = null;

  constructor(
    private readonly repository: DeliveryRepository,
    private readonly recorder: DeliveryRecorder,
    private readonly contexts: NoticeContextCache,
    private readonly rendering: NoticeRenderingService,
    private readonly regulations: RegulationsService,
    private readonly webhooks: WebhooksService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {
    this.leaseMs = config.get('DELIVERY_LEASE_MS');
    this.policy = {
      maxAttempts: config.get('DELIVERY_MAX_ATTEMPTS'),
      baseMs: config.get('DELIVERY_RETRY_BASE_MS'),
    };
  }

  onApplicationBootstrap(): void {
    if (!this.config.runsWorkers) return;
    this.running = true;
    this.renewTimer = setInterval(() => void this.renew(), Math.max(100, this.leaseMs / 3));
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    while (this.attempts.size) await Promise.all(this.attempts);
    await this.recorder.drain();
    if (this.renewTimer) clearInterval(this.renewTimer);
  }

  private async run(): Promise<void> {
    let idleMs = IDLE_MIN_MS;
    while (this.running) {
      const room = CAPACITY - this.held.size;
      let claimed: ClaimedDelivery[] = [];
      if (room > 0) {
        try {
          claimed = await this.repository.claimNext(
            room,
            this.leaseMs,
            this.clock.now(),
            'webhook',
          );
        } catch (err) {
          this.logger.warn({
            msg: 'claiming webhook deliveries failed',
            error: (err as Error).message,
          });
        }
      }
      if (!claimed.length) {
        await this.idle(idleMs);
        idleMs = Math.min(IDLE_MAX_MS, idleMs * 2);
        continue;
      }
      idleMs = IDLE_MIN_MS;
      for (const d of claimed) {
        this.held.add(d.id);
        const attempt = this.attempt(d).finally(() => {
          this.attempts.delete(attempt);
          this.held.delete(d.id);
          this.wakeUp?.();
        });
        this.attempts.add(attempt);
      }
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = null;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
    });
  }

  private async attempt(d: ClaimedDelivery): Promise<void> {
    try {
      const outcome = await this.deliver(d);
      if (outcome) await this.recorder.record(outcome);
    } catch (err) {
      // The lease runs out and the delivery is claimed again.
      this.logger.error({
        msg: 'webhook attempt failed',
        deliveryId: d.id,
        error: (err as Error).message,
      });
    }
  }

  private async deliver(d: ClaimedDelivery): Promise<RecordedOutcome | null> {
    let result: WebhookAttemptResult;
    let body = '';
    if (!d.tenant) {
      result = { kind: 'permanent', status: null, error: 'tenant is no longer in the directory' };
    } else {
      const message = await this.message(d);
      body = message.body;
      // The lease was lost (another worker holds the delivery now): do not call twice.
      if (!this.held.has(d.id)) return null;
      result = await this.webhooks.dispatch(d.recipient, {
        messageId: messageIdOf(d.id),
        ...message,
      });
    }
    const now = this.clock.now();
    const decision = decideOutcome(
      { status: 'queued', attempts: d.attempts },
      result.kind === 'sent' ? { kind: 'sent' } : { kind: result.kind, error: result.error },
      this.policy,
      now,
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
            messageId: messageIdOf(d.id),
            contentSha256: createHash('sha256').update(body).digest('hex'),
          },
        };
      case 'queued':
        return {
          kind: 'retry',
          delivery: d,
          retry: {
            id: d.id,
            error: decision.error,
            nextAttemptAt: nextAttemptAt(
              decision.nextAttemptAt,
              result.kind === 'temporary' ? result.retryAfterMs : null,
              now,
            ),
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
   * The call's body: the notice as the tenant's dashboard post, in its locale, with its
   * obligations and due times. Stamped with the delivery's queue time, so every retry sends the
   * same bytes.
   */
  private async message(d: ClaimedDelivery): Promise<{ event: WebhookEvent; body: string }> {
    const t = d.tenant!;
    const ctx = await this.contexts.get(d.noticeId);
    const obligations = await this.regulations.expand(t.rulesVersion, t.obligations);
    const facts = {
      tenant: { id: d.tenantId, name: t.name, locale: t.locale, timeZone: t.timeZone },
      noticeDueAt: d.noticeDueAt.toISOString(),
      obligations,
    };
    const post = this.rendering.post(ctx, facts);
    const event = noticeEvent(ctx.notice.kind);
    const body = payloadBody(event, d.queuedAt, {
      noticeId: d.noticeId,
      kind: ctx.notice.kind,
      revision: ctx.revision,
      incident: {
        id: ctx.incident.id,
        externalId: ctx.incident.externalId,
        severity: ctx.incident.severity,
        phase: ctx.incident.phase,
      },
      tenantId: d.tenantId,
      locale: post.locale,
      title: post.title,
      text: post.text,
      html: post.html,
      noticeDueAt: facts.noticeDueAt,
      obligations: obligations.map((o) => ({
        regulationId: o.regulationId,
        recipient: o.recipient,
        dueAt: o.dueAt,
        dueText: o.dueText,
        citation: o.citation,
      })),
    });
    return { event, body };
  }

  private async renew(): Promise<void> {
    const ids = [...this.held];
    if (!ids.length) return;
    try {
      const renewed = new Set(
        await this.repository.renewLeases(ids, this.leaseMs, this.clock.now()),
      );
      for (const id of ids) if (!renewed.has(id)) this.held.delete(id);
    } catch (err) {
      this.logger.warn({ msg: 'renewing webhook leases failed', error: (err as Error).message });
    }
  }
}
