import { Injectable, Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock/clock.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { AppConfig } from '../config/app-config.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { IncidentsService } from '../incidents/incidents.service.js';
import { NoticesService } from '../notices/notices.service.js';
import { noticeEvent } from '../webhooks/domain/webhook-events.js';
import { DeliveryCompletion } from './delivery-completion.service.js';
import { DeliverySender } from './delivery-sender.service.js';
import { FeedPublisher } from './feed-publisher.service.js';
import { DeliveryRepository, FanoutKey } from './delivery.repository.js';

/** The saved cursor: '' before the first page; `<due ISO with microseconds> <tenant id>` after. */
export function parseFanoutCursor(cursor: string): FanoutKey | null {
  const space = cursor.indexOf(' ');
  // A cursor of the older tenant-id-only form starts over: the inserts are idempotent.
  if (space < 0) return null;
  return { dueAt: cursor.slice(0, space), tenantId: cursor.slice(space + 1) };
}

export function formatFanoutCursor(key: FanoutKey | null): string {
  return key ? `${key.dueAt} ${key.tenantId}` : '';
}

/**
 * Creates a notice's delivery records page by page, earliest notice deadline first (then tenant
 * id), each page with its audit events and the saved cursor in one transaction, so a fan-out that
 * dies resumes where it stopped. A page publishes its tenants' dashboard posts at once (their
 * records are created sent: FeedPublisher); senders pick the emails up in the same order as they
 * appear.
 */
@Injectable()
export class FanOutService {
  private readonly logger = new Logger(FanOutService.name);

  constructor(
    private readonly repository: DeliveryRepository,
    private readonly notices: NoticesService,
    private readonly incidents: IncidentsService,
    private readonly audit: AuditService,
    private readonly uow: UnitOfWork,
    private readonly completion: DeliveryCompletion,
    private readonly sender: DeliverySender,
    private readonly feed: FeedPublisher,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  async fanOut(noticeId: string): Promise<{ pages: number; created: number }> {
    const notice = await this.notices.get(noticeId);
    if (notice.status !== 'approved' && notice.status !== 'sent') return { pages: 0, created: 0 };
    const incident = await this.incidents.get(notice.incidentId);
    const fanout = await this.repository.startFanout(
      noticeId,
      incident.id,
      incident.scopeGeneration,
      this.clock.now(),
    );
    const limit = this.config.get('FANOUT_PAGE_SIZE');
    let pages = 0;
    let created = 0;
    let done = fanout.completedAt !== null;
    let after = parseFanoutCursor(fanout.cursor);
    const started = performance.now();
    // Shared post bodies this fan-out has committed: a later page sends only their names.
    const stored = new Set<string>();
    while (!done) {
      const from = after;
      // Read and rendered before the transaction, which then only writes.
      const tenants = await this.repository.fanoutPage(this.repository.manager, {
        incidentId: incident.id,
        after: from,
        limit,
      });
      const posts = await this.feed.preparePage(noticeId, tenants);
      const last = tenants.length ? tenants[tenants.length - 1].key : null;
      const page = await this.uow.run(async (manager) => {
        const now = this.clock.now();
        const result = await this.repository.insertPageDeliveries(manager, {
          noticeId,
          incidentId: incident.id,
          tenants,
          posts,
          now,
          webhookEvent: noticeEvent(notice.kind),
        });
        const published = await this.feed.publish(manager, {
          noticeId,
          incidentId: incident.id,
          created: result.published,
          posts,
          now,
          stored,
        });
        if (result.created > 0) {
          await this.audit.append(manager, [
            {
              actor: 'system',
              action: 'delivery.queued',
              entityType: 'notice',
              entityId: noticeId,
              incidentId: incident.id,
              change: {
                deliveries: result.created,
                // Dashboard posts published with their records (each has its delivery.sent).
                published: result.published.length,
                tenants: tenants.length,
                after: formatFanoutCursor(from),
                through: formatFanoutCursor(last),
              },
            },
            ...published.events,
          ]);
        }
        await this.repository.saveFanoutProgress(manager, noticeId, {
          cursor: formatFanoutCursor(last ?? from),
          added: result.created,
          completed: tenants.length < limit,
          now,
        });
        return {
          created: result.created,
          published: result.published.length,
          bodies: published.bodies,
        };
      });
      for (const key of page.bodies) stored.add(key);
      if (page.published)
        this.metrics.deliveries.inc({ channel: 'dashboard', outcome: 'sent' }, page.published);
      this.sender.wake();
      pages += 1;
      created += page.created;
      done = tenants.length < limit;
      after = last ?? after;
    }
    this.logger.log({
      msg: 'fan-out done',
      noticeId,
      incidentId: incident.id,
      pages,
      created,
      ms: Math.round(performance.now() - started),
    });
    await this.completion.completeIfDone(noticeId, incident.id);
    return { pages, created };
  }
}
