import { Injectable, Logger } from '@nestjs/common';
import { EntityManager, QueryFailedError } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock/clock.js';
import { IncidentFacts } from '../common/facts/incident-facts.js';
import { conflict, notFound } from '../common/errors.js';
import { pause } from '../common/event-loop.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { JobQueueService } from '../common/queues/job-queue.service.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { RegulationsService } from '../regulations/regulations.service.js';
import type { Obligation } from '../regulations/domain/evaluate.js';
import {
  assertIncidentTransition,
  checkPhaseChange,
  IncidentStatus,
} from './domain/incident-status.js';
import { compareScopes, scopeSummary } from './domain/scope.js';
import { CreateIncidentDto, PatchIncidentDto } from './dto/incident.dto.js';
import { IncidentEntity, type IncidentScope } from './entities/incident.entity.js';
import {
  type IncidentListRow,
  IncidentsRepository,
  NewIncidentTenant,
} from './incidents.repository.js';
import { contentSha256 } from '../common/domain/content-hash.js';

export const RESOLUTION_PAGE_SIZE = 5000;

export interface IncidentView {
  id: string;
  externalId: string;
  title: string;
  severity: string;
  phase: string;
  status: IncidentStatus;
  awareAt: string;
  occurredAt: string | null;
  description: string;
  dataImpact: IncidentEntity['dataImpact'];
  actionsTaken: string[];
  suggestedActions: string[];
  /** The scope as given, with `tenantIdCount`: how many tenant ids it lists. */
  scope: IncidentEntity['scope'] & { tenantIdCount: number };
  affectedTenantCount: number;
  earliestNoticeDueAt: string | null;
  rulesVersion: string | null;
  deliveries: Record<string, number>;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * An incident in a list: its scope's attribute lists and `tenantIdCount`, never the ids
 * themselves (up to 100,000 per incident; `GET /v1/incidents/{id}/scope/tenant-ids` pages them).
 */
export type IncidentListView = Omit<IncidentView, 'deliveries' | 'scope'> & {
  scope: Omit<IncidentScope, 'tenantIds'> & { tenantIdCount: number };
};

export interface IncidentTenantView {
  tenantId: string;
  noticeDueAt: string;
  obligations: Obligation[];
  rulesVersion: string;
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof QueryFailedError && (err.driverError as { code?: string }).code === '23505';
}

/** At most this many stalled incidents are re-queued per reconciler pass. */
const STALLED_BATCH = 1000;

@Injectable()
export class IncidentsService {
  private readonly logger = new Logger(IncidentsService.name);

  constructor(
    private readonly repository: IncidentsRepository,
    private readonly regulations: RegulationsService,
    private readonly audit: AuditService,
    private readonly uow: UnitOfWork,
    private readonly jobs: JobQueueService,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
    private readonly facts: IncidentFacts,
  ) {}

  /** Stores the incident, then enqueues its resolution. The same externalId and body is idempotent. */
  async create(
    dto: CreateIncidentDto,
    actor: string,
  ): Promise<{ incident: IncidentEntity; created: boolean }> {
    const requestSha256 = contentSha256(dto);
    await pause();
    let result: { incident: IncidentEntity; created: boolean };
    try {
      result = await this.uow.run(async (manager) => {
        const existing = await this.repository.findByExternalId(dto.externalId, manager);
        if (existing) return { incident: this.replay(existing, requestSha256), created: false };
        const incident = await this.repository.save(
          manager,
          Object.assign(new IncidentEntity(), {
            externalId: dto.externalId,
            requestSha256,
            title: dto.title,
            severity: dto.severity,
            phase: dto.phase,
            status: 'resolving' as const,
            awareAt: new Date(dto.awareAt),
            occurredAt: dto.occurredAt ? new Date(dto.occurredAt) : null,
            description: dto.description,
            dataImpact: dto.dataImpact,
            actionsTaken: dto.actionsTaken,
            suggestedActions: dto.suggestedActions,
            scope: dto.scope,
            scopeGeneration: 1,
            affectedTenantCount: 0,
            earliestNoticeDueAt: null,
            rulesVersion: null,
            resolvedAt: null,
            createdBy: actor,
            updatedBy: actor,
          }),
        );
        await pause();
        await this.audit.append(manager, [
          {
            actor,
            action: 'incident.created',
            entityType: 'incident',
            entityId: incident.id,
            incidentId: incident.id,
            change: {
              externalId: dto.externalId,
              severity: dto.severity,
              phase: dto.phase,
              awareAt: dto.awareAt,
              scope: dto.scope,
              requestSha256,
            },
          },
        ]);
        return { incident, created: true };
      });
    } catch (err) {
      // Two posts of the same externalId at once: the loser replays the winner.
      if (!isUniqueViolation(err)) throw err;
      const existing = await this.repository.findByExternalId(dto.externalId);
      if (!existing) throw err;
      return { incident: this.replay(existing, requestSha256), created: false };
    }
    if (result.created) await this.enqueueResolution(result.incident);
    return result;
  }

  private replay(existing: IncidentEntity, requestSha256: string): IncidentEntity {
    if (existing.requestSha256 !== requestSha256) {
      throw conflict(
        `externalId ${JSON.stringify(existing.externalId)} already names incident ${existing.id} with a different body; change it with PATCH /v1/incidents/${existing.id}`,
      );
    }
    return existing;
  }

  async get(id: string): Promise<IncidentEntity> {
    const incident = await this.repository.findById(id);
    if (!incident) throw notFound('Incident', id);
    return incident;
  }

  async view(id: string): Promise<IncidentView> {
    const incident = await this.get(id);
    return this.toView(incident, await this.facts.deliveryCounts(id));
  }

  toView(i: IncidentEntity, deliveries: Record<string, number>): IncidentView {
    return {
      ...this.fields(i),
      scope: { ...i.scope, tenantIdCount: i.scope.tenantIds?.length ?? 0 },
      deliveries,
    };
  }

  toListView(row: IncidentListRow): IncidentListView {
    return { ...this.fields(row), scope: { ...row.scope, tenantIdCount: row.tenantIdCount } };
  }

  private fields(i: Omit<IncidentEntity, 'scope'>): Omit<IncidentView, 'deliveries' | 'scope'> {
    return {
      id: i.id,
      externalId: i.externalId,
      title: i.title,
      severity: i.severity,
      phase: i.phase,
      status: i.status,
      awareAt: i.awareAt.toISOString(),
      occurredAt: i.occurredAt?.toISOString() ?? null,
      description: i.description,
      dataImpact: i.dataImpact,
      actionsTaken: i.actionsTaken,
      suggestedActions: i.suggestedActions,
      affectedTenantCount: i.affectedTenantCount,
      earliestNoticeDueAt: i.earliestNoticeDueAt?.toISOString() ?? null,
      rulesVersion: i.rulesVersion,
      createdBy: i.createdBy,
      createdAt: i.createdAt.toISOString(),
      updatedAt: i.updatedAt.toISOString(),
    };
  }

  async list(
    limit: number,
    after?: { createdAt: string; id: string },
    status?: string,
  ): Promise<IncidentListRow[]> {
    return this.repository.list(limit, after, status);
  }

  /** A page of the tenant ids the incident's scope lists, in byte order. */
  async scopeTenantIds(
    incidentId: string,
    afterTenantId: string | undefined,
    limit: number,
  ): Promise<string[]> {
    if (!(await this.repository.exists(incidentId))) throw notFound('Incident', incidentId);
    return this.repository.scopeTenantIds(incidentId, afterTenantId, limit);
  }

  /** New phase, more actions, a wider scope (re-resolved in a job); narrowing is a 409. */
  async patch(id: string, dto: PatchIncidentDto, actor: string): Promise<IncidentEntity> {
    const { incident, widened } = await this.uow.run(async (manager) => {
      const incident = await this.repository.lockById(manager, id);
      if (!incident) throw notFound('Incident', id);
      const changes: Record<string, unknown> = {};
      if (dto.phase !== undefined && dto.phase !== incident.phase) {
        const check = checkPhaseChange(incident.phase, dto.phase);
        if (!check.allowed) throw conflict(check.reason);
        changes.phase = { from: incident.phase, to: dto.phase };
        incident.phase = dto.phase;
      }
      if (dto.actionsTaken) {
        const fresh = dto.actionsTaken.filter((a) => !incident.actionsTaken.includes(a));
        if (incident.actionsTaken.length + fresh.length > 100)
          throw conflict('an incident holds at most 100 actionsTaken');
        if (fresh.length) {
          incident.actionsTaken = [...incident.actionsTaken, ...fresh];
          changes.actionsTaken = { added: fresh };
        }
      }
      let widened = false;
      if (dto.scope) {
        const comparison = compareScopes(incident.scope, dto.scope);
        // Each step over a 100,000-id scope takes a while: let other work run in between.
        await pause();
        if (!comparison.wider)
          throw conflict(
            `the scope can only widen: ${comparison.reason}; no one already in scope is dropped`,
          );
        if (Object.keys(comparison.added).length > 0) {
          changes.scope = {
            from: scopeSummary(incident.scope),
            to: scopeSummary(dto.scope),
            added: comparison.added,
          };
          incident.scope = dto.scope;
          incident.scopeGeneration += 1;
          if (incident.status !== 'resolving') this.transition(incident, 'resolving');
          changes.scopeGeneration = incident.scopeGeneration;
          widened = true;
        }
      }
      if (Object.keys(changes).length === 0) return { incident, widened: false };
      incident.updatedBy = actor;
      await this.repository.save(manager, incident);
      await pause();
      await this.audit.append(manager, [
        {
          actor,
          action: 'incident.updated',
          entityType: 'incident',
          entityId: id,
          incidentId: id,
          change: changes,
        },
      ]);
      return { incident, widened };
    });
    if (widened) await this.enqueueResolution(incident);
    return incident;
  }

  async enqueueResolution(incident: Pick<IncidentEntity, 'id' | 'scopeGeneration'>): Promise<void> {
    await this.jobs.add({
      name: 'resolve-incident',
      data: { incidentId: incident.id, scopeGeneration: incident.scopeGeneration },
      jobId: `resolve.${incident.id}.${incident.scopeGeneration}`,
    });
  }

  /**
   * Works out the affected tenants and their deadlines, page by page through the directory, so
   * that a million tenants never sit in memory. Safe to re-run: stored tenants are kept as they were.
   */
  async resolve(incidentId: string, scopeGeneration: number): Promise<'resolved' | 'stale'> {
    const incident = await this.repository.findById(incidentId);
    if (!incident || incident.scopeGeneration !== scopeGeneration) return 'stale';
    const started = performance.now();
    const resolvedAt = this.clock.now();
    const evaluator = this.regulations.prepare({
      awareAt: incident.awareAt,
      dataCategories: incident.dataImpact.categories,
    });
    let afterId = '';
    let added = 0;
    let scanned = 0;
    for (;;) {
      const page = await this.repository.tenantsInScopePage(
        incident.scope,
        afterId,
        RESOLUTION_PAGE_SIZE,
      );
      if (page.length === 0) break;
      const rows: NewIncidentTenant[] = page.map((tenant) => {
        const result = evaluator.evaluate(tenant);
        return {
          tenantId: tenant.id,
          noticeDueAt: result.noticeDueAt,
          obligations: result.obligations.map((o) => ({
            regulationId: o.regulationId,
            dueAt: o.dueAt,
          })),
        };
      });
      const inserted = await this.repository.insertIncidentTenants(
        incidentId,
        evaluator.rulesVersion,
        scopeGeneration,
        rows,
        resolvedAt,
      );
      this.metrics.tenantsResolved.inc(inserted);
      added += inserted;
      scanned += page.length;
      afterId = page[page.length - 1].id;
      if (page.length < RESOLUTION_PAGE_SIZE) break;
    }
    const outcome = await this.uow.run(async (manager) => {
      const current = await this.repository.lockById(manager, incidentId);
      if (!current || current.scopeGeneration !== scopeGeneration) return 'stale' as const;
      // An approval during resolution may already have moved it on to delivering.
      const previous = current.status;
      const totals = await this.repository.refreshTotals(manager, incidentId);
      current.affectedTenantCount = totals.count;
      current.earliestNoticeDueAt = totals.earliest;
      current.rulesVersion = evaluator.rulesVersion;
      current.resolvedAt = this.clock.now();
      if (previous === 'resolving') this.transition(current, 'awaiting-review');
      await this.repository.save(manager, current);
      await this.audit.append(manager, [
        {
          actor: 'system',
          action: 'incident.resolved',
          entityType: 'incident',
          entityId: incidentId,
          incidentId,
          change: {
            scopeGeneration,
            affectedTenantCount: totals.count,
            newlyAffected: added,
            earliestNoticeDueAt: totals.earliest?.toISOString() ?? null,
            rulesVersion: evaluator.rulesVersion,
            status: { from: previous, to: current.status },
          },
        },
      ]);
      return 'resolved' as const;
    });
    if (outcome === 'resolved') {
      this.logger.log({
        msg: 'incident resolved',
        incidentId,
        scopeGeneration,
        scanned,
        added,
        ms: Math.round(performance.now() - started),
      });
      await this.jobs.add({
        name: 'incident-resolved',
        data: { incidentId, scopeGeneration },
        jobId: `resolved.${incidentId}.${scopeGeneration}`,
      });
    }
    return outcome;
  }

  /** Re-adds the (deterministic) jobs of incidents that went quiet mid-pipeline; a job that still exists is not duplicated. */
  async requeueStalled(graceMs: number): Promise<number> {
    const now = this.clock.now();
    const resolving = await this.repository.quiet('resolving', graceMs, now, STALLED_BATCH);
    for (const i of resolving)
      await this.enqueueResolution({ id: i.id, scopeGeneration: i.scopeGeneration });
    // Awaiting review with no initial notice: the drafting job was lost.
    const reviewing = await this.repository.quiet('awaiting-review', graceMs, now, null);
    const drafted = await this.facts.withInitialNotice(reviewing.map((i) => i.id));
    const undrafted = reviewing
      .filter((i) => !drafted.has(i.id))
      .slice(0, STALLED_BATCH - resolving.length);
    for (const i of undrafted)
      await this.jobs.add({
        name: 'incident-resolved',
        data: { incidentId: i.id, scopeGeneration: i.scopeGeneration },
        jobId: `resolved.${i.id}.${i.scopeGeneration}`,
      });
    return resolving.length + undrafted.length;
  }

  /** Moves the status along the table, or throws: callers hold the row lock. */
  transition(incident: IncidentEntity, to: IncidentStatus): void {
    assertIncidentTransition(incident.status, to);
    incident.status = to;
  }

  /** Takes the incident's row lock in the caller's transaction (lock order: incident, notice, audit). */
  async lockForUpdate(manager: EntityManager, incidentId: string): Promise<void> {
    await this.repository.lockById(manager, incidentId);
  }

  /** Moves the status inside the caller's transaction, recording the actor. No-op when already there. */
  async moveStatus(
    manager: EntityManager,
    incidentId: string,
    to: IncidentStatus,
    actor: string,
    from?: IncidentStatus[],
  ): Promise<boolean> {
    const incident = await this.repository.lockById(manager, incidentId);
    if (!incident || incident.status === to) return false;
    if (from && !from.includes(incident.status)) return false;
    const previous = incident.status;
    this.transition(incident, to);
    await this.repository.save(manager, incident);
    await this.audit.append(manager, [
      {
        actor,
        action: 'incident.status-changed',
        entityType: 'incident',
        entityId: incidentId,
        incidentId,
        change: { status: { from: previous, to } },
      },
    ]);
    return true;
  }

  async tenants(
    incidentId: string,
    filter: { regulationId?: string; dueBefore?: Date; afterTenantId?: string; tenantId?: string },
    limit: number,
  ): Promise<IncidentTenantView[]> {
    const rows = await this.repository.incidentTenants(incidentId, filter, limit);
    return Promise.all(
      rows.map(async (r) => ({
        tenantId: r.tenantId,
        noticeDueAt: r.noticeDueAt.toISOString(),
        obligations: await this.regulations.expand(r.rulesVersion, r.obligations),
        rulesVersion: r.rulesVersion,
      })),
    );
  }
}
