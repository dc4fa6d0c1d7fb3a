import { Inject, Injectable, Logger } from '@nestjs/common';
import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import { AuditEventInput, AuditService } from '../audit/audit.service.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { JobQueueService, TypedJob } from '../common/queues/job-queue.service.js';
import { QUEUES } from '../common/queues/queue-names.js';
import { AppConfig } from '../config/app-config.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { IncidentsService } from '../incidents/incidents.service.js';
import {
  NoticeRenderContext,
  NoticeRenderingService,
  TenantRenderFacts,
} from '../notices/notice-rendering.service.js';
import { NoticesService } from '../notices/notices.service.js';
import { RegulationsService } from '../regulations/regulations.service.js';
import {
  ClaimedDelivery,
  DeliveryRepository,
  FailedOutcome,
  FeedPostRow,
  RetryOutcome,
  SentOutcome,
} from './delivery.repository.js';
import { backoffDelayMs } from './domain/retry-policy.js';
import { MAILER } from './mail/mailer.provider.js';
import { MailSendError, type Mailer } from './mail/mailer.js';

type Outcome =
  | { kind: 'sent'; delivery: ClaimedDelivery; sent: SentOutcome; post?: FeedPostRow }
  | { kind: 'retry'; delivery: ClaimedDelivery; error: string }
  | { kind: 'failed'; delivery: ClaimedDelivery; error: string };

const CONTEXT_TTL_MS = 60_000;

function sha256(value: unknown): string {
  return createHash('sha256')
    .update(canonicalize(value) ?? '')
    .digest('hex');
}

async function mapConcurrent<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** At most `limit` holders at once, served in arrival order. */
class Slots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/**
 * Fan-out (delivery records page by page, set-based) and sending (claim, render, send, record).
 * A delivery is claimed under a lease before it is sent and recorded right after, so a crash
 * loses nothing: the lease runs out and the work is picked up again; only messages handed to
 * the relay but not yet recorded can go out twice.
 */
@Injectable()
export class DeliveryService {
  private readonly logger = new Logger(DeliveryService.name);
  private readonly contexts = new Map<string, { at: number; ctx: NoticeRenderContext }>();
  private readonly mailFrom: string;
  private readonly messageIdDomain: string;
  // Emails rendered and handed to the pool, across all the batches this process runs: enough to
  // keep every pooled connection busy, few enough that rendered messages never pile up in memory.
  private readonly sendSlots: Slots;
  private stopping = false;

  constructor(
    private readonly repository: DeliveryRepository,
    private readonly notices: NoticesService,
    private readonly incidents: IncidentsService,
    private readonly rendering: NoticeRenderingService,
    private readonly regulations: RegulationsService,
    private readonly audit: AuditService,
    private readonly uow: UnitOfWork,
    private readonly jobs: JobQueueService,
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
    @Inject(MAILER) private readonly mailer: Mailer,
  ) {
    this.mailFrom = config.get('MAIL_FROM');
    const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(this.mailFrom)?.[1];
    this.messageIdDomain = domain && domain.includes('.') ? domain : 'herald.local';
    this.sendSlots = new Slots(Math.max(2, config.get('SMTP_POOL_SIZE') * 2));
  }

  /** Creates the notice's delivery records page by page and enqueues them in bounded batches. */
  async fanOut(noticeId: string): Promise<{ pages: number; created: number }> {
    const notice = await this.notices.get(noticeId);
    if (notice.status !== 'approved' && notice.status !== 'sent') return { pages: 0, created: 0 };
    const incident = await this.incidents.get(notice.incidentId);
    const fanout = await this.repository.startFanout(
      noticeId,
      incident.id,
      incident.scopeGeneration,
    );
    const pageSize = this.config.get('FANOUT_PAGE_SIZE');
    const batchSize = this.config.get('DELIVERY_BATCH_SIZE');
    let cursor = fanout.completedAt ? null : fanout.cursor;
    let pages = 0;
    let created = 0;
    const started = Date.now();
    while (cursor !== null) {
      const tenantIds = await this.repository.tenantPage(incident.id, cursor, pageSize);
      if (tenantIds.length === 0) {
        await this.repository.saveFanoutProgress(noticeId, cursor, 0, true);
        break;
      }
      const first = tenantIds[0];
      const last = tenantIds[tenantIds.length - 1];
      const added = await this.uow.run(async (manager) => {
        const count = await this.repository.insertDeliveriesForPage(
          manager,
          noticeId,
          incident.id,
          first,
          last,
        );
        if (count > 0) {
          await this.audit.append(manager, [
            {
              actor: 'system',
              action: 'delivery.queued',
              entityType: 'notice',
              entityId: noticeId,
              incidentId: incident.id,
              change: {
                deliveries: count,
                tenants: tenantIds.length,
                firstTenantId: first,
                lastTenantId: last,
              },
            },
          ]);
        }
        return count;
      });
      const pending = await this.repository.pendingInRange(noticeId, first, last);
      await this.waitForRoom(noticeId);
      const batches: Array<TypedJob<'send-batch'>> = [];
      for (let i = 0; i < pending.length; i += batchSize) {
        batches.push({
          name: 'send-batch',
          data: { noticeId, deliveryIds: pending.slice(i, i + batchSize) },
          jobId: `send.${noticeId}.g${incident.scopeGeneration}.${first}.${i / batchSize}`,
          opts: { attempts: 10, backoff: { type: 'exponential', delay: 1000 } },
        });
      }
      await this.jobs.addBulk(batches);
      const done = tenantIds.length < pageSize;
      await this.repository.saveFanoutProgress(noticeId, last, added, done);
      pages += 1;
      created += added;
      cursor = done ? null : last;
    }
    this.logger.log({
      msg: 'fan-out done',
      noticeId,
      incidentId: incident.id,
      pages,
      created,
      ms: Date.now() - started,
    });
    await this.completeIfDone(noticeId, incident.id);
    return { pages, created };
  }

  /** Flow control: keep at most FANOUT_MAX_WAITING_JOBS batches waiting, so Redis memory stays bounded. */
  private async waitForRoom(noticeId: string): Promise<void> {
    const queue = this.jobs.queue(QUEUES.delivery);
    const max = this.config.get('FANOUT_MAX_WAITING_JOBS');
    let waited = 0;
    while ((await queue.getWaitingCount()) >= max) {
      // On shutdown a waiting fan-out gives up its slot; it resumes from its cursor elsewhere.
      if (this.stopping)
        throw new Error('shutting down: the fan-out resumes from its saved cursor');
      await sleep(50);
      if ((waited += 50) % 5000 === 0) await this.repository.touchFanout(noticeId);
    }
  }

  /** Claims, renders, sends and records a set of deliveries. */
  async send(deliveryIds: string[]): Promise<{ sent: number; retried: number; failed: number }> {
    const leaseMs = this.config.get('DELIVERY_LEASE_MS');
    const claimed = await this.repository.claim(deliveryIds, leaseMs);
    if (claimed.length < deliveryIds.length) await this.rescheduleUnclaimed(deliveryIds, claimed);
    if (claimed.length === 0) return { sent: 0, retried: 0, failed: 0 };

    const byNotice = new Map<string, ClaimedDelivery[]>();
    for (const d of claimed) byNotice.set(d.noticeId, [...(byNotice.get(d.noticeId) ?? []), d]);
    const outcomes: Outcome[] = [];
    for (const [noticeId, deliveries] of byNotice) {
      outcomes.push(...(await this.sendForNotice(noticeId, deliveries)));
    }
    await this.record(outcomes);
    for (const [noticeId, deliveries] of byNotice)
      await this.completeIfDone(noticeId, deliveries[0].incidentId);
    return {
      sent: outcomes.filter((o) => o.kind === 'sent').length,
      retried: outcomes.filter((o) => o.kind === 'retry').length,
      failed: outcomes.filter((o) => o.kind === 'failed').length,
    };
  }

  private async sendForNotice(noticeId: string, deliveries: ClaimedDelivery[]): Promise<Outcome[]> {
    const ctx = await this.context(noticeId);
    const tenantIds = [...new Set(deliveries.map((d) => d.tenantId))];
    const rows = await this.repository.tenantsForRender(deliveries[0].incidentId, tenantIds);
    const facts = new Map<string, TenantRenderFacts>();
    for (const row of rows) {
      facts.set(row.id, {
        tenant: { id: row.id, name: row.name, locale: row.locale, timeZone: row.timeZone },
        noticeDueAt: row.noticeDueAt.toISOString(),
        obligations: await this.regulations.expand(row.rulesVersion, row.obligations),
      });
    }
    const concurrency = Math.max(1, this.config.get('SMTP_POOL_SIZE') * 2);
    return mapConcurrent(deliveries, concurrency, (d) =>
      this.deliverOne(d, ctx, facts.get(d.tenantId)),
    );
  }

  private async deliverOne(
    d: ClaimedDelivery,
    ctx: NoticeRenderContext,
    facts: TenantRenderFacts | undefined,
  ): Promise<Outcome> {
    if (!facts)
      return { kind: 'failed', delivery: d, error: 'tenant is no longer in the directory' };
    const end = this.metrics.sendDuration.startTimer({ channel: d.channel });
    try {
      if (d.channel === 'dashboard') {
        const post = this.rendering.post(ctx, facts);
        const contentSha256 = sha256({ title: post.title, text: post.text, html: post.html });
        const sentAt = new Date();
        return {
          kind: 'sent',
          delivery: d,
          sent: { id: d.id, sentAt, messageId: null, contentSha256 },
          post: {
            tenantId: d.tenantId,
            noticeId: d.noticeId,
            incidentId: d.incidentId,
            deliveryId: d.id,
            title: post.title,
            contentHtml: post.html,
            contentText: post.text,
            locale: post.locale,
            contentSha256,
            publishedAt: sentAt,
          },
        };
      }
      return await this.sendSlots.run(async (): Promise<Outcome> => {
        let email;
        try {
          email = this.rendering.email(ctx, facts, d.locale ?? undefined);
        } catch (err) {
          return {
            kind: 'retry',
            delivery: d,
            error: `render failed: ${(err as Error).message}`.slice(0, 300),
          };
        }
        const messageId = `<${d.id}@${this.messageIdDomain}>`;
        const sent = await this.mailer.send({
          from: this.mailFrom,
          to: d.recipient,
          subject: email.subject,
          text: email.text,
          html: email.html,
          messageId,
          date: d.queuedAt,
          headers: {
            'X-Herald-Delivery': d.id,
            'X-Herald-Notice': d.noticeId,
            'X-Herald-Incident': ctx.incident.externalId,
          },
        });
        return {
          kind: 'sent',
          delivery: d,
          sent: {
            id: d.id,
            sentAt: new Date(),
            messageId: sent.messageId,
            contentSha256: sha256({ subject: email.subject, text: email.text, html: email.html }),
          },
        };
      });
    } catch (err) {
      const mailError = err instanceof MailSendError ? err : null;
      const reason = mailError ? mailError.message : `unexpected: ${(err as Error).message}`;
      if (mailError && mailError.kind === 'permanent')
        return { kind: 'failed', delivery: d, error: reason.slice(0, 500) };
      return { kind: 'retry', delivery: d, error: reason.slice(0, 500) };
    } finally {
      end();
    }
  }

  /** One transaction for the whole batch's outcomes, with their audit events; then schedules retries. */
  private async record(outcomes: Outcome[]): Promise<void> {
    const now = Date.now();
    const maxAttempts = this.config.get('DELIVERY_MAX_ATTEMPTS');
    const base = this.config.get('DELIVERY_RETRY_BASE_MS');
    const sent: SentOutcome[] = [];
    const posts: FeedPostRow[] = [];
    const retries: Array<RetryOutcome & { attempts: number }> = [];
    const failed: FailedOutcome[] = [];
    const events: AuditEventInput[] = [];
    for (const o of outcomes) {
      const d = o.delivery;
      const subject = { entityType: 'delivery' as const, entityId: d.id, incidentId: d.incidentId };
      if (o.kind === 'sent') {
        sent.push(o.sent);
        if (o.post) posts.push(o.post);
        events.push({
          actor: 'system',
          action: 'delivery.sent',
          ...subject,
          change: {
            status: { from: 'queued', to: 'sent' },
            channel: d.channel,
            recipient: d.recipient,
            tenantId: d.tenantId,
            noticeId: d.noticeId,
            attempts: d.attempts,
            messageId: o.sent.messageId,
            contentSha256: o.sent.contentSha256,
          },
        });
        this.metrics.deliveries.inc({ channel: d.channel, outcome: 'sent' });
      } else if (o.kind === 'retry' && d.attempts < maxAttempts) {
        const nextAttemptAt = new Date(now + backoffDelayMs(d.attempts, base, Math.random));
        retries.push({ id: d.id, error: o.error, nextAttemptAt, attempts: d.attempts });
        events.push({
          actor: 'system',
          action: 'delivery.retry-scheduled',
          ...subject,
          change: {
            attempts: d.attempts,
            error: o.error,
            nextAttemptAt: nextAttemptAt.toISOString(),
          },
        });
        this.metrics.deliveries.inc({ channel: d.channel, outcome: 'retry' });
      } else {
        failed.push({ id: d.id, error: o.error, failedAt: new Date(now) });
        events.push({
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
            error: o.error,
          },
        });
        this.metrics.deliveries.inc({ channel: d.channel, outcome: 'failed' });
      }
    }
    await this.uow.run(async (manager) => {
      await this.repository.insertFeedPosts(manager, posts);
      await this.repository.markSent(manager, sent);
      await this.repository.markRetry(manager, retries);
      await this.repository.markFailed(manager, failed);
      await this.audit.append(manager, events);
    });
    if (retries.length) {
      await this.jobs.addBulk(
        retries.map((r) => ({
          name: 'send-one' as const,
          data: { deliveryId: r.id, attempt: r.attempts + 1 },
          jobId: `one.${r.id}.a${r.attempts + 1}`,
          opts: {
            delay: Math.max(0, r.nextAttemptAt.getTime() - Date.now()),
            attempts: 10,
            backoff: { type: 'exponential' as const, delay: 1000 },
          },
        })),
      );
    }
  }

  /** Deliveries another worker holds, or that wait for a retry: look again when that ends. */
  private async rescheduleUnclaimed(ids: string[], claimed: ClaimedDelivery[]): Promise<void> {
    const taken = new Set(claimed.map((c) => c.id));
    const rest = await this.repository.stillQueued(ids.filter((id) => !taken.has(id)));
    if (!rest.length) return;
    const now = Date.now();
    await this.jobs.addBulk(
      rest.map((r) => {
        const at = Math.max(r.leaseExpiresAt?.getTime() ?? 0, r.nextAttemptAt?.getTime() ?? 0, now);
        return {
          name: 'send-one' as const,
          data: { deliveryId: r.id, attempt: 0 },
          jobId: `one.${r.id}.t${at}`,
          opts: {
            delay: at - now + 250,
            attempts: 10,
            backoff: { type: 'exponential' as const, delay: 1000 },
          },
        };
      }),
    );
  }

  /** The approved content and incident facts of a notice, cached briefly: they are the same for every tenant. */
  private async context(noticeId: string): Promise<NoticeRenderContext> {
    const cached = this.contexts.get(noticeId);
    if (cached && Date.now() - cached.at < CONTEXT_TTL_MS) return cached.ctx;
    const notice = await this.notices.get(noticeId);
    const ctx = await this.rendering.context(notice);
    this.contexts.set(noticeId, { at: Date.now(), ctx });
    if (this.contexts.size > 100) this.contexts.delete(this.contexts.keys().next().value as string);
    return ctx;
  }

  /** When a notice's fan-out is complete and nothing is left queued: the notice is sent; maybe the incident is delivered. */
  async completeIfDone(noticeId: string, incidentId: string): Promise<void> {
    await this.uow.run(async (manager) => {
      if (!(await this.repository.fanoutCompleted(noticeId, manager))) return;
      if (await this.repository.hasPending(manager, noticeId)) return;
      // The incident row first: the audit chain lock is always taken last.
      await this.incidents.lockForUpdate(manager, incidentId);
      await this.notices.markSent(manager, noticeId, new Date());
      const open: unknown[] = await manager.query(
        `SELECT 1 FROM notices WHERE incident_id = $1 AND status = 'approved'
         UNION ALL SELECT 1 FROM deliveries WHERE incident_id = $1 AND status = 'queued' LIMIT 1`,
        [incidentId],
      );
      if (open.length === 0)
        await this.incidents.moveStatus(manager, incidentId, 'delivered', 'system', ['delivering']);
    });
  }

  /**
   * The safety net for work a crash left between a commit and its enqueue: lost retries,
   * fan-outs that never started or stopped moving, incidents whose resolution or drafting
   * job went missing. Job ids are deterministic, so a job that still exists is not added twice;
   * a delivery that is somehow queued twice is still sent once (claims).
   */
  async reconcile(
    graceMs: number,
  ): Promise<{ retries: number; fanouts: number; incidents: number }> {
    const orphans = await this.repository.orphanedRetries(graceMs, 5000);
    await this.jobs.addBulk(
      orphans.map((o) => ({
        name: 'send-one' as const,
        data: { deliveryId: o.id, attempt: o.attempts + 1 },
        jobId: `one.${o.id}.r${o.attempts}`,
      })),
    );
    const fanouts = await this.repository.stalledFanouts(graceMs);
    for (const f of fanouts)
      await this.jobs.add({
        name: 'fan-out',
        data: { noticeId: f.noticeId },
        jobId: `fanout.${f.noticeId}.p${f.pages}`,
      });
    const incidents = await this.incidents.requeueStalled(graceMs);
    if (orphans.length || fanouts.length || incidents) {
      this.logger.warn({
        msg: 'reconciled stalled work',
        retries: orphans.length,
        fanouts: fanouts.length,
        incidents,
      });
    }
    return { retries: orphans.length, fanouts: fanouts.length, incidents };
  }

  /** Shutdown has begun: fan-outs stop waiting for room. */
  stop(): void {
    this.stopping = true;
  }

  async closeMailer(): Promise<void> {
    await this.mailer.close();
  }
}
