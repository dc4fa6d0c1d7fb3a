import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig } from '../config/app-config.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { ExpiredIncident, RetentionRepository } from './retention.repository.js';
import { Clock } from '../common/clock/clock.js';

const DAY_MS = 86_400_000;
const PAGE = 100;

export interface RetentionResult {
  enabled: boolean;
  cutoff: string | null;
  purged: string[];
}

/**
 * With RETENTION_DAYS set, deletes the delivery records, feed posts, notices and incident rows of
 * incidents whose last activity is older than that, one incident per transaction together with an
 * `incident.purged` audit event. The audit log itself is never deleted. Without it, nothing expires.
 */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger(RetentionService.name);

  constructor(
    private readonly repository: RetentionRepository,
    private readonly audit: AuditService,
    private readonly uow: UnitOfWork,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  get enabled(): boolean {
    return this.config.get('RETENTION_DAYS') !== undefined;
  }

  async run(now: Date = this.clock.now()): Promise<RetentionResult> {
    const days = this.config.get('RETENTION_DAYS');
    if (days === undefined) return { enabled: false, cutoff: null, purged: [] };
    const cutoff = new Date(now.getTime() - days * DAY_MS);
    const purged: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await this.repository.expired(cutoff, after, PAGE);
      for (const incident of page)
        if (await this.purge(incident, cutoff, days)) purged.push(incident.id);
      if (page.length < PAGE) break;
      after = page[page.length - 1].id;
    }
    if (purged.length)
      this.logger.log({
        msg: 'retention purged incidents',
        count: purged.length,
        cutoff: cutoff.toISOString(),
        retentionDays: days,
      });
    return { enabled: true, cutoff: cutoff.toISOString(), purged };
  }

  private purge(incident: ExpiredIncident, cutoff: Date, days: number): Promise<boolean> {
    return this.uow.run(async (manager) => {
      const lastActivityAt = await this.repository.lockLastActivity(manager, incident.id);
      if (!lastActivityAt || lastActivityAt >= cutoff) return false;
      const counts = await this.repository.purge(manager, incident.id);
      await this.audit.append(manager, [
        {
          actor: 'system',
          action: 'incident.purged',
          entityType: 'incident',
          entityId: incident.id,
          incidentId: incident.id,
          change: {
            externalId: incident.externalId,
            retentionDays: days,
            lastActivityAt: lastActivityAt.toISOString(),
            deleted: counts,
          },
        },
      ]);
      return true;
    });
  }
}
