import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AuditService } from '../../audit/audit.service.js';
import { MetricsService } from '../../common/metrics/metrics.service.js';
import { Clock } from '../../common/clock/clock.js';
import { AppConfig } from '../../config/app-config.js';
import { UnitOfWork } from '../../database/unit-of-work.js';
import { BouncedOutcome, DeliveryRepository } from '../delivery.repository.js';
import type { DeliveryStatusReport } from '../domain/delivery-status-notification.js';
import { checkDeliveryTransition } from '../domain/delivery-status.js';
import {
  decodeVerpToken,
  encodeVerpToken,
  tenantMatches,
  verpAddress,
  verpTokenOf,
  type VerpMessage,
} from '../domain/verp-token.js';

/** The actor of the audit events a bounce causes. */
export const BOUNCE_ACTOR = 'bounce-listener';

export type BounceOutcome =
  /** These deliveries are bounced now. */
  | { kind: 'bounced'; deliveryIds: string[] }
  /** Accepted, nothing to change: a repeat of a bounce already recorded, or a DSN that reports no failure (a delay). */
  | { kind: 'unchanged'; reason: string }
  /** Refused (SMTP 5xx), nothing changed. */
  | { kind: 'refused'; reason: string };

class Refused extends Error {}

/**
 * VERP return paths and what a bounce does: the return path of each notice email names the
 * message (notice, tenant) with a signed token, and a delivery status notification sent back to
 * it turns the matching email deliveries `bounced`, or is refused and changes nothing.
 */
@Injectable()
export class BounceService {
  private readonly logger = new Logger(BounceService.name);
  private readonly key: Buffer;
  private readonly domain: string;

  constructor(
    private readonly repository: DeliveryRepository,
    private readonly audit: AuditService,
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    // Without any secret there is no listener either (the config refuses one): tokens are then
    // only written, never read, and a per-process key is as good as any.
    this.key = config.bounceSigningKey ?? randomBytes(32);
    this.domain = config.bounceDomain;
  }

  /** The envelope sender of the notice email to a tenant: `bounce+<token>@BOUNCE_DOMAIN`. */
  returnPath(noticeId: string, tenantId: string): string {
    return verpAddress(encodeVerpToken(this.key, noticeId, tenantId), this.domain);
  }

  /** The message a bounce address names, or null when it is not one of ours (or forged). */
  messageOf(address: string): VerpMessage | null {
    const token = verpTokenOf(address, this.domain);
    return token === null ? null : decodeVerpToken(this.key, token);
  }

  /**
   * Applies a DSN sent to the return paths of `messages`: every recipient it reports `failed`
   * must name an email delivery of one of those messages that is `sent` (bounced already: a
   * repeat, left as it is), else nothing changes at all.
   */
  async apply(
    messages: VerpMessage[],
    report: DeliveryStatusReport | null,
  ): Promise<BounceOutcome> {
    if (messages.length === 0) return { kind: 'refused', reason: 'no valid recipient' };
    if (!report) return { kind: 'refused', reason: 'not a delivery status notification' };
    const failed = report.recipients.filter((r) => r.action === 'failed');
    if (failed.length === 0) {
      return { kind: 'unchanged', reason: 'the report names no failed recipient' };
    }
    const noticeIds = [...new Set(messages.map((m) => m.noticeId))];
    try {
      const outcome = await this.uow.run(async (manager) => {
        const at = this.clock.now();
        const bounces: Array<
          BouncedOutcome & { incidentId: string; recipient: string; status: string }
        > = [];
        for (const r of failed) {
          const candidates = await this.repository.emailsTo(manager, noticeIds, r.finalRecipient);
          const delivery = candidates.find((c) =>
            messages.some((m) => m.noticeId === c.noticeId && tenantMatches(m, c.tenantId)),
          );
          if (!delivery) throw new Refused(`no delivery of this message to ${r.finalRecipient}`);
          if (delivery.status === 'bounced') continue;
          const check = checkDeliveryTransition(delivery.status, 'bounced');
          if (!check.allowed) throw new Refused(check.reason);
          if (bounces.some((b) => b.id === delivery.id)) continue;
          bounces.push({
            id: delivery.id,
            incidentId: delivery.incidentId,
            recipient: delivery.recipient,
            status: r.status,
            error: `${r.status} ${r.diagnostic ?? 'no diagnostic'}`.slice(0, 500),
            bouncedAt: at,
          });
        }
        if (bounces.length === 0) return null;
        const changed = await this.repository.markBounced(manager, bounces);
        const recorded = bounces.filter((b) => changed.has(b.id));
        await this.audit.append(
          manager,
          recorded.map((b) => ({
            actor: BOUNCE_ACTOR,
            action: 'delivery.bounced',
            entityType: 'delivery' as const,
            entityId: b.id,
            incidentId: b.incidentId,
            change: {
              status: { from: 'sent', to: 'bounced' },
              recipient: b.recipient,
              dsnStatus: b.status,
              error: b.error,
              reportingMta: report.reportingMta,
              bouncedAt: b.bouncedAt.toISOString(),
            },
          })),
        );
        return recorded.map((b) => b.id);
      });
      if (outcome === null) return { kind: 'unchanged', reason: 'already bounced' };
      this.metrics.deliveries.inc({ channel: 'email', outcome: 'bounced' }, outcome.length);
      this.logger.log({ msg: 'deliveries bounced', deliveries: outcome.length });
      return { kind: 'bounced', deliveryIds: outcome };
    } catch (err) {
      if (err instanceof Refused) return { kind: 'refused', reason: err.message };
      throw err;
    }
  }
}
