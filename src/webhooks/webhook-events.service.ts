import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '../common/clock/clock.js';
import { AppConfig } from '../config/app-config.js';
import { backoffDelayMs } from '../common/domain/retry-policy.js';
import { messageIdOf, payloadBody, WebhookEvent } from './domain/webhook-events.js';
import { nextAttemptAt } from './domain/webhook-response.js';
import { WebhooksRepository } from './webhooks.repository.js';
import { WebhooksService } from './webhooks.service.js';

const POLL_MS = 250;
const BATCH = 20;

/**
 * Events that are not notices (`contacts.verification_needed`): publish() queues one message per
 * subscribed endpoint in Postgres (inside the caller's transaction when it passes one), and a
 * claim loop sends them with the same leases, retries and Retry-After handling as deliveries.
 */
@Injectable()
export class WebhookEventsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookEventsService.name);
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;

  constructor(
    private readonly repository: WebhooksRepository,
    private readonly webhooks: WebhooksService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /**
   * Queues `event` with `data` for every active endpoint of the tenant subscribed to it; returns
   * how many were queued. Pass the caller's transaction so the event commits with its cause.
   */
  async publish(
    tenantId: string,
    event: Exclude<WebhookEvent, 'notice.sent' | 'notice.updated'>,
    data: Record<string, unknown>,
    manager: EntityManager = this.repository.manager,
  ): Promise<number> {
    const now = this.clock.now();
    const endpoints = await this.repository.subscribed(manager, tenantId, event);
    const body = payloadBody(event, now, data);
    await this.repository.insertMessages(
      manager,
      endpoints.map((e) => ({ endpointId: e.id, tenantId, event, body })),
      now,
    );
    this.wakeUp?.();
    return endpoints.length;
  }

  onApplicationBootstrap(): void {
    if (!this.config.runsWorkers) return;
    this.running = true;
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const leaseMs = this.config.get('DELIVERY_LEASE_MS');
    while (this.running) {
      let claimed: Awaited<ReturnType<WebhooksRepository['claimMessages']>> = [];
      try {
        claimed = await this.repository.claimMessages(BATCH, leaseMs, this.clock.now());
        await Promise.all(claimed.map((m) => this.send(m)));
      } catch (err) {
        this.logger.warn({ msg: 'webhook event round failed', error: (err as Error).message });
      }
      if (!claimed.length) await this.idle();
    }
  }

  private async send(m: Awaited<ReturnType<WebhooksRepository['claimMessages']>>[number]) {
    const result = await this.webhooks.dispatch(m.endpointId, {
      messageId: messageIdOf(m.id),
      event: m.event,
      body: m.body,
    });
    const now = this.clock.now();
    if (result.kind === 'sent') {
      await this.repository.finishMessage(m.id, m.attempts, { status: 'sent', at: now });
    } else if (
      result.kind === 'temporary' &&
      m.attempts < this.config.get('DELIVERY_MAX_ATTEMPTS')
    ) {
      const backoff = new Date(
        now.getTime() +
          backoffDelayMs(m.attempts, this.config.get('DELIVERY_RETRY_BASE_MS'), Math.random),
      );
      await this.repository.finishMessage(m.id, m.attempts, {
        status: 'queued',
        error: result.error,
        nextAttemptAt: nextAttemptAt(backoff, result.retryAfterMs, now),
      });
    } else {
      await this.repository.finishMessage(m.id, m.attempts, {
        status: 'failed',
        at: now,
        error: result.error,
      });
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = null;
        resolve();
      }, POLL_MS);
      this.wakeUp = () => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
    });
  }
}
