import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { z } from 'zod';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock/clock.js';
import { invalid, notFound } from '../common/errors.js';
import { AppConfig } from '../config/app-config.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { MAILER } from '../mail/mailer.provider.js';
import type { Mailer } from '../mail/mailer.js';
import { NOTICE_ROLES } from '../tenants/dto/tenant.dto.js';
import { TenantsService } from '../tenants/tenants.service.js';
import { endpointDisabledMail } from './domain/endpoint-disabled-mail.js';
import type { webhookSchema } from './dto/webhook-response.dto.js';
import { shouldDisable, WebhookAttemptResult } from './domain/webhook-response.js';
import { generateSecret, openSecret, sealSecret } from './domain/webhook-secret.js';
import type { WebhookEvent } from './domain/webhook-events.js';
import type { WebhookEndpointEntity } from './entities/webhook-endpoint.entity.js';
import { WebhookTransport } from './webhook-transport.js';
import { AttemptRow, WebhooksRepository } from './webhooks.repository.js';

const HOUR_MS = 3_600_000;
const RECENT_ATTEMPTS = 10;
const STATS_WINDOW_MS = 24 * HOUR_MS;

/** An endpoint as GET answers it: never its secret; its calls of the last day. */
export type WebhookView = z.infer<typeof webhookSchema>;

/**
 * A tenant's webhook endpoints: registration (the URL checked against the address policy),
 * secret rotation with an overlap, and the signed call itself, which also keeps each
 * endpoint's attempts and disables one that has failed for WEBHOOK_DISABLE_AFTER_HOURS.
 */
@Injectable()
export class WebhooksService implements OnModuleInit {
  private readonly logger = new Logger(WebhooksService.name);
  private readonly transport: WebhookTransport;
  private readonly secretKey: string | undefined;

  constructor(
    private readonly repository: WebhooksRepository,
    private readonly tenants: TenantsService,
    private readonly audit: AuditService,
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    @Inject(MAILER) private readonly mailer: Mailer,
  ) {
    this.secretKey = config.get('WEBHOOK_SECRET_KEY');
    this.transport = new WebhookTransport({
      allowLoopback: config.get('WEBHOOK_ALLOW_LOOPBACK'),
      timeoutMs: config.get('WEBHOOK_TIMEOUT_MS'),
      now: () => clock.now(),
    });
  }

  onModuleInit(): void {
    if (!this.secretKey)
      this.logger.warn({
        msg: 'WEBHOOK_SECRET_KEY is not set: webhook signing secrets are stored unsealed',
      });
  }

  async create(
    tenantId: string,
    body: { url: string; events: WebhookEvent[] },
    actor: string,
  ): Promise<{ id: string; url: string; events: WebhookEvent[]; secret: string }> {
    await this.tenants.get(tenantId);
    const problem = await this.transport.checkUrl(body.url);
    if (problem) throw invalid([{ path: 'url', message: problem }]);
    const secret = generateSecret();
    const now = this.clock.now();
    const events = [...new Set(body.events)];
    const endpoint = await this.uow.run(async (manager) => {
      const saved = await this.repository.insertEndpoint(manager, {
        tenantId,
        url: body.url,
        events,
        secretSealed: sealSecret(secret, this.secretKey),
        createdAt: now,
        createdBy: actor,
      });
      await this.audit.append(manager, [
        {
          actor,
          action: 'webhook.created',
          entityType: 'webhook',
          entityId: saved.id,
          change: { tenantId, url: body.url, events },
        },
      ]);
      return saved;
    });
    return { id: endpoint.id, url: endpoint.url, events, secret };
  }

  async list(tenantId: string): Promise<WebhookView[]> {
    await this.tenants.get(tenantId);
    return this.withStats(await this.repository.listEndpoints(tenantId));
  }

  /** Every tenant's endpoints with their health, the failing and disabled first (operators). */
  async overview(limit: number): Promise<WebhookView[]> {
    return this.withStats(await this.repository.listAllEndpoints(limit));
  }

  private async withStats(endpoints: WebhookEndpointEntity[]): Promise<WebhookView[]> {
    const ids = endpoints.map((e) => e.id);
    const since = new Date(this.clock.nowMs() - STATS_WINDOW_MS);
    const [recent, stats] = await Promise.all([
      this.repository.recentAttempts(ids, RECENT_ATTEMPTS),
      this.repository.stats(ids, since),
    ]);
    return endpoints.map((e) => toView(e, recent, stats));
  }

  async remove(tenantId: string, id: string, actor: string): Promise<void> {
    await this.uow.run(async (manager) => {
      const endpoint = await this.owned(tenantId, id, manager);
      endpoint.deletedAt = this.clock.now();
      await this.repository.saveEndpoint(manager, endpoint);
      await this.audit.append(manager, [
        {
          actor,
          action: 'webhook.deleted',
          entityType: 'webhook',
          entityId: id,
          change: { tenantId, url: endpoint.url },
        },
      ]);
    });
  }

  /** A new secret; the one it replaces keeps signing for WEBHOOK_SECRET_OVERLAP_HOURS. */
  async rotate(tenantId: string, id: string, actor: string): Promise<{ secret: string }> {
    const secret = generateSecret();
    const now = this.clock.now();
    const overlapMs = this.config.get('WEBHOOK_SECRET_OVERLAP_HOURS') * HOUR_MS;
    const expiresAt = new Date(now.getTime() + overlapMs);
    await this.uow.run(async (manager) => {
      const endpoint = await this.owned(tenantId, id, manager);
      endpoint.previousSecretSealed = overlapMs > 0 ? endpoint.secretSealed : null;
      endpoint.previousSecretExpiresAt = overlapMs > 0 ? expiresAt : null;
      endpoint.secretSealed = sealSecret(secret, this.secretKey);
      endpoint.rotatedAt = now;
      await this.repository.saveEndpoint(manager, endpoint);
      await this.audit.append(manager, [
        {
          actor,
          action: 'webhook.secret-rotated',
          entityType: 'webhook',
          entityId: id,
          change: {
            tenantId,
            previousSecretValidUntil: overlapMs > 0 ? expiresAt.toISOString() : null,
          },
        },
      ]);
    });
    return { secret };
  }

  /** Active endpoints of the tenant that take `event`. */
  async subscribed(tenantId: string, event: WebhookEvent): Promise<string[]> {
    return (await this.repository.subscribed(this.repository.manager, tenantId, event)).map(
      (r) => r.id,
    );
  }

  /**
   * One signed call of message `messageId` to an endpoint. The signature header carries one
   * `v1,` signature per secret in force (both during a rotation's overlap). Records the attempt,
   * and disables the endpoint when its calls have failed for too long.
   */
  async dispatch(
    endpointId: string,
    message: { messageId: string; event: string; body: string },
  ): Promise<WebhookAttemptResult> {
    const endpoint = await this.repository.findEndpoint(endpointId);
    if (!endpoint) return { kind: 'permanent', status: null, error: 'endpoint was deleted' };
    if (endpoint.disabledAt)
      return { kind: 'permanent', status: null, error: 'endpoint is disabled' };
    const now = this.clock.now();
    const secrets = [openSecret(endpoint.secretSealed, this.secretKey)];
    if (
      endpoint.previousSecretSealed &&
      endpoint.previousSecretExpiresAt &&
      endpoint.previousSecretExpiresAt > now
    )
      secrets.push(openSecret(endpoint.previousSecretSealed, this.secretKey));
    const signature = secrets
      .map((s) => new Webhook(s).sign(message.messageId, now, message.body))
      .join(' ');
    const { result, durationMs } = await this.transport.post({
      url: endpoint.url,
      body: message.body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Herald-Webhooks/1',
        'webhook-id': message.messageId,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': signature,
      },
    });
    await this.recordAttempt(endpoint, {
      endpointId,
      messageId: message.messageId,
      event: message.event,
      attemptedAt: now,
      statusCode: result.status,
      ok: result.kind === 'sent',
      error: result.kind === 'sent' ? null : result.error,
      durationMs,
    });
    return result;
  }

  private async recordAttempt(endpoint: WebhookEndpointEntity, attempt: AttemptRow): Promise<void> {
    const disableAfterMs = this.config.get('WEBHOOK_DISABLE_AFTER_HOURS') * HOUR_MS;
    const disabled = await this.uow.run(async (manager) => {
      await this.repository.insertAttempt(manager, attempt);
      const health = await this.repository.markHealth(
        manager,
        endpoint.id,
        attempt.ok,
        attempt.attemptedAt,
      );
      if (!health || !shouldDisable(health.failingSince, attempt.attemptedAt, disableAfterMs))
        return false;
      const reason = `every call failed since ${health.failingSince!.toISOString()} (last: ${attempt.error ?? 'unknown'})`;
      if (!(await this.repository.disable(manager, endpoint.id, reason, attempt.attemptedAt)))
        return false;
      await this.audit.append(manager, [
        {
          actor: 'system',
          action: 'webhook.disabled',
          entityType: 'webhook',
          entityId: endpoint.id,
          change: { tenantId: endpoint.tenantId, url: endpoint.url, reason },
        },
      ]);
      return true;
    });
    if (disabled) await this.tellContacts(endpoint, attempt.attemptedAt);
  }

  /** Tells the tenant's notice contacts that an endpoint was disabled (best effort: logged when mail fails). */
  private async tellContacts(endpoint: WebhookEndpointEntity, at: Date): Promise<void> {
    try {
      const tenant = await this.tenants.get(endpoint.tenantId);
      const to = [
        ...new Set(
          tenant.contacts
            .filter((c) => (NOTICE_ROLES as readonly string[]).includes(c.role))
            .map((c) => c.email.toLowerCase()),
        ),
      ];
      const mail = endpointDisabledMail({
        tenantName: tenant.name,
        url: endpoint.url,
        endpointId: endpoint.id,
        disabledAt: at,
        provider: this.config.get('PROVIDER_NAME'),
      });
      for (const address of to) {
        await this.mailer.send({
          from: this.config.get('MAIL_FROM'),
          to: address,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: `<webhook-disabled-${endpoint.id}-${createHash('sha256').update(address).digest('hex').slice(0, 16)}@${this.config.messageIdDomain}>`,
          date: at,
          headers: { 'X-Herald-Webhook': endpoint.id },
        });
      }
    } catch (err) {
      this.logger.error({
        msg: 'telling the tenant of a disabled webhook failed',
        tenantId: endpoint.tenantId,
        endpointId: endpoint.id,
        error: (err as Error).message,
      });
    }
  }

  private async owned(
    tenantId: string,
    id: string,
    manager: Parameters<WebhooksRepository['findEndpoint']>[1],
  ): Promise<WebhookEndpointEntity> {
    const endpoint = await this.repository.findEndpoint(id, manager, true);
    if (!endpoint || endpoint.tenantId !== tenantId) throw notFound('Webhook', id);
    return endpoint;
  }
}

function toView(
  e: WebhookEndpointEntity,
  recent: AttemptRow[],
  stats: Array<{ endpointId: string; attempts: number; succeeded: number }>,
): WebhookView {
  const s = stats.find((x) => x.endpointId === e.id);
  const attempts = s?.attempts ?? 0;
  const succeeded = s?.succeeded ?? 0;
  return {
    id: e.id,
    tenantId: e.tenantId,
    url: e.url,
    events: e.events as WebhookEvent[],
    createdAt: e.createdAt.toISOString(),
    rotatedAt: e.rotatedAt?.toISOString() ?? null,
    previousSecretExpiresAt: e.previousSecretExpiresAt?.toISOString() ?? null,
    disabledAt: e.disabledAt?.toISOString() ?? null,
    disabledReason: e.disabledReason,
    failingSince: e.failingSince?.toISOString() ?? null,
    lastSuccessAt: e.lastSuccessAt?.toISOString() ?? null,
    stats: {
      attempts24h: attempts,
      succeeded24h: succeeded,
      successRate24h: attempts ? succeeded / attempts : null,
      recent: recent
        .filter((a) => a.endpointId === e.id)
        .map((a) => ({
          attemptedAt: new Date(a.attemptedAt).toISOString(),
          event: a.event,
          messageId: a.messageId,
          statusCode: a.statusCode,
          ok: a.ok,
          error: a.error,
          durationMs: a.durationMs,
        })),
    },
  };
}
