import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock/clock.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { AppConfig } from '../config/app-config.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { MAILER } from '../mail/mailer.provider.js';
import type { Mailer } from '../mail/mailer.js';
import { DeadlineWatchRepository } from './deadline-watch.repository.js';
import { escalationMail } from './domain/escalation-mail.js';

const AUDIT_BATCH = 5000;
// Longer than any send takes (SMTP_TIMEOUT_MS is at most 10 minutes): a crashed sender's mail is
// taken up again after this.
const ESCALATION_LEASE_MS = 15 * 60_000;

export interface DeadlineWatchResult {
  newNear: number;
  newMissed: number;
  newUndeliverable: number;
  audited: number;
  near: number;
  past: number;
  undeliverable: number;
  escalated: { to: string; alerts: number; messageId: string } | null;
}

/**
 * Finds affected tenants not yet told whose notice deadline is near or past and records each
 * state once: one set-based statement inserts the deadline_alerts rows, then their audit events
 * are written in batches, each batch in the transaction that marks its rows audited (an outbox:
 * a crash in between leaves them for the next run). Sets the gauges and mails one summary of
 * what is new to ESCALATION_EMAIL. Safe to run on several workers at once.
 */
@Injectable()
export class DeadlineWatchService {
  private readonly logger = new Logger(DeadlineWatchService.name);

  constructor(
    private readonly repository: DeadlineWatchRepository,
    private readonly audit: AuditService,
    private readonly uow: UnitOfWork,
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
    @Inject(MAILER) private readonly mailer: Mailer,
    private readonly clock: Clock,
  ) {}

  async run(now: Date = this.clock.now()): Promise<DeadlineWatchResult> {
    const started = performance.now();
    const detected = await this.repository.detect(now, this.config.get('DEADLINE_WARN_FRACTION'));
    const audited = await this.auditNewAlerts();
    const undeliverable = await this.repository.undeliverableCount();
    this.metrics.tenantsNearDeadline.set(detected.near);
    this.metrics.tenantsPastDeadline.set(detected.past);
    this.metrics.undeliverableTenants.set(undeliverable);
    const escalated = await this.decideEscalation(now);
    await this.sendPendingEscalations();
    const result = { ...detected, audited, undeliverable, escalated };
    if (detected.newNear || detected.newMissed || detected.newUndeliverable || escalated)
      this.logger.warn({
        msg: 'deadline watch found tenants not yet told',
        ...result,
        ms: Math.round(performance.now() - started),
      });
    return result;
  }

  /** One deadline.near or deadline.missed event per new alert, in batches. */
  private async auditNewAlerts(): Promise<number> {
    let total = 0;
    for (;;) {
      const count = await this.uow.run(async (manager) => {
        const alerts = await this.repository.claimUnaudited(manager, AUDIT_BATCH);
        if (alerts.length === 0) return 0;
        await this.repository.markAudited(manager, alerts, this.clock.now());
        await this.audit.append(
          manager,
          alerts.map((a) => ({
            actor: 'system',
            action: `deadline.${a.state}`,
            entityType: 'tenant' as const,
            entityId: a.tenantId,
            incidentId: a.incidentId,
            change: {
              state: a.state,
              noticeDueAt: a.noticeDueAt.toISOString(),
              awareAt: a.awareAt.toISOString(),
              detectedAt: a.detectedAt.toISOString(),
              notified: false,
            },
          })),
        );
        return alerts.length;
      });
      total += count;
      if (count < AUDIT_BATCH) return total;
    }
  }

  /**
   * Decides one summary mail of every alert not escalated yet and records it in the outbox, in one
   * transaction (which Postgres may run again as a deadlock victim: it has no effect outside the
   * database). The mail is sent after commit by {@link sendPendingEscalations}.
   */
  private async decideEscalation(now: Date): Promise<DeadlineWatchResult['escalated']> {
    const to = this.config.get('ESCALATION_EMAIL');
    if (!to) return null;
    return this.uow.run(async (manager) => {
      if (!(await this.repository.tryEscalationLock(manager))) return null;
      const lines = await this.repository.claimUnescalated(manager, now);
      if (lines.length === 0) return null;
      const content = escalationMail(lines, this.config.get('PROVIDER_NAME'));
      const alerts = lines.reduce((n, l) => n + l.tenants, 0);
      const digest = createHash('sha256').update(JSON.stringify(lines)).digest('hex').slice(0, 16);
      const messageId = `<deadline-watch.${now.getTime()}.${digest}@${this.config.messageIdDomain}>`;
      await this.repository.recordEscalation(manager, {
        ...content,
        messageId,
        to,
        alerts,
        at: now,
      });
      await this.audit.append(manager, [
        {
          actor: 'system',
          action: 'deadline.escalated',
          entityType: 'system',
          change: {
            to,
            alerts,
            incidents: new Set(lines.map((l) => l.incidentId)).size,
            messageId,
            subject: content.subject,
          },
        },
      ]);
      return { to, alerts, messageId };
    });
  }

  /**
   * Sends every escalation mail in the outbox not sent yet, each under a lease so that one worker
   * sends it, and marks it sent (with an audit event) after the relay accepted it. A crash between
   * the two sends it again on the next run with the same Message-ID; a failure waits for the next run.
   */
  private async sendPendingEscalations(): Promise<number> {
    let sent = 0;
    const tried: string[] = [];
    for (;;) {
      const mail = await this.repository.leasePendingEscalation(
        this.clock.now(),
        ESCALATION_LEASE_MS,
        tried,
      );
      if (!mail) return sent;
      tried.push(mail.id);
      try {
        await this.mailer.send({
          from: this.config.get('MAIL_FROM'),
          to: mail.recipient,
          subject: mail.subject,
          text: mail.textBody,
          html: mail.htmlBody,
          messageId: mail.messageId,
          headers: { 'X-Herald-Escalation': 'deadline-watch' },
          date: mail.createdAt,
        });
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        this.logger.warn({
          msg: 'escalation mail not sent; next run tries again',
          messageId: mail.messageId,
          attempts: mail.attempts,
          error,
        });
        await this.repository.releaseEscalation(mail.id, error);
        continue;
      }
      await this.uow.run(async (manager) => {
        if (!(await this.repository.markEscalationSent(manager, mail.id, this.clock.now()))) return;
        await this.audit.append(manager, [
          {
            actor: 'system',
            action: 'deadline.escalation-sent',
            entityType: 'system',
            change: { to: mail.recipient, messageId: mail.messageId, attempts: mail.attempts },
          },
        ]);
      });
      sent++;
    }
  }
}
