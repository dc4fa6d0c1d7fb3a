import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { pageByCreated } from '../database/keyset.js';
import { IncidentEntity } from './entities/incident.entity.js';
import { StoredObligation } from './entities/incident-tenant.entity.js';
import type { Scope } from './domain/scope.js';

export interface ScopedTenant {
  id: string;
  countries: string[];
  industries: string[];
  flags: Record<string, boolean>;
  contractualNoticeHours: number | null;
}

export interface IncidentTenantRow {
  tenantId: string;
  noticeDueAt: Date;
  obligations: StoredObligation[];
  rulesVersion: string;
}

export interface NewIncidentTenant {
  tenantId: string;
  noticeDueAt: string;
  obligations: StoredObligation[];
}

@Injectable()
export class IncidentsRepository {
  constructor(private readonly dataSource: DataSource) {}

  findById(
    id: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<IncidentEntity | null> {
    return manager.findOne(IncidentEntity, { where: { id } });
  }

  lockById(manager: EntityManager, id: string): Promise<IncidentEntity | null> {
    return manager.findOne(IncidentEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  findByExternalId(
    externalId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<IncidentEntity | null> {
    return manager.findOne(IncidentEntity, { where: { externalId } });
  }

  save(manager: EntityManager, incident: IncidentEntity): Promise<IncidentEntity> {
    return manager.save(IncidentEntity, incident);
  }

  async list(
    limit: number,
    after?: { createdAt: string; id: string },
    status?: string,
  ): Promise<IncidentEntity[]> {
    const qb = pageByCreated(
      this.dataSource.manager.createQueryBuilder(IncidentEntity, 'i'),
      'i',
      'DESC',
      limit,
      after,
    );
    if (status) qb.andWhere('i.status = :status', { status });
    return qb.getMany();
  }

  /**
   * One page of the directory in scope, in id order (keyset): a tenant is in scope when its id
   * is listed, or when it shares a value with every attribute list given (array overlap, GIN).
   */
  async tenantsInScopePage(scope: Scope, afterId: string, limit: number): Promise<ScopedTenant[]> {
    const attributes = [scope.services, scope.dataRegions, scope.countries].some(
      (l) => l && l.length > 0,
    );
    return this.dataSource.query(
      `SELECT id, countries, industries, flags, contractual_notice_hours AS "contractualNoticeHours"
       FROM tenants
       WHERE id > $1 AND (
         id = ANY($2::text[])
         OR ($3::boolean
             AND ($4::text[] IS NULL OR services && $4::text[])
             AND ($5::text[] IS NULL OR data_regions && $5::text[])
             AND ($6::text[] IS NULL OR country_match && $6::text[])))
       ORDER BY id
       LIMIT $7`,
      [
        afterId,
        scope.tenantIds ?? [],
        attributes,
        scope.services ?? null,
        scope.dataRegions ?? null,
        scope.countries ?? null,
        limit,
      ],
    );
  }

  /** Adds affected tenants (one statement per page); tenants already resolved are kept as they were. */
  async insertIncidentTenants(
    incidentId: string,
    rulesVersion: string,
    scopeGeneration: number,
    rows: NewIncidentTenant[],
    resolvedAt: Date,
  ): Promise<number> {
    if (rows.length === 0) return 0;
    const result: unknown[] = await this.dataSource.query(
      `INSERT INTO incident_tenants (incident_id, tenant_id, notice_due_at, obligations, rules_version, scope_generation, resolved_at)
       SELECT $1, t.tenant_id, t.due, t.obligations, $2, $3, $7
       FROM unnest($4::text[], $5::timestamptz[], $6::jsonb[]) AS t(tenant_id, due, obligations)
       ON CONFLICT (incident_id, tenant_id) DO NOTHING
       RETURNING tenant_id`,
      [
        incidentId,
        rulesVersion,
        scopeGeneration,
        rows.map((r) => r.tenantId),
        rows.map((r) => r.noticeDueAt),
        rows.map((r) => JSON.stringify(r.obligations)),
        resolvedAt,
      ],
    );
    return result.length;
  }

  /** Recomputes the incident's affected count and earliest deadline from the stored rows. */
  async refreshTotals(
    manager: EntityManager,
    incidentId: string,
  ): Promise<{ count: number; earliest: Date | null }> {
    const [row]: Array<{ count: string; earliest: Date | null }> = await manager.query(
      `SELECT count(*)::text AS count, min(notice_due_at) AS earliest FROM incident_tenants WHERE incident_id = $1`,
      [incidentId],
    );
    return { count: Number(row.count), earliest: row.earliest };
  }

  async incidentTenants(
    incidentId: string,
    filter: { regulationId?: string; dueBefore?: Date; afterTenantId?: string; tenantId?: string },
    limit: number,
  ): Promise<IncidentTenantRow[]> {
    const params: unknown[] = [incidentId];
    const where = ['incident_id = $1'];
    if (filter.regulationId) {
      params.push(JSON.stringify([{ regulationId: filter.regulationId }]));
      where.push(`obligations @> $${params.length}::jsonb`);
    }
    if (filter.dueBefore) {
      params.push(filter.dueBefore);
      where.push(`notice_due_at < $${params.length}`);
    }
    if (filter.afterTenantId) {
      params.push(filter.afterTenantId);
      where.push(`tenant_id > $${params.length}`);
    }
    if (filter.tenantId) {
      params.push(filter.tenantId);
      where.push(`tenant_id = $${params.length}`);
    }
    params.push(limit);
    return this.dataSource.query(
      `SELECT tenant_id AS "tenantId", notice_due_at AS "noticeDueAt", obligations, rules_version AS "rulesVersion"
       FROM incident_tenants WHERE ${where.join(' AND ')} ORDER BY tenant_id LIMIT $${params.length}`,
      params,
    );
  }

  /** Incidents whose resolution or drafting job may have been lost: quiet for longer than the grace. */
  async stalled(
    graceMs: number,
    now: Date,
  ): Promise<Array<{ id: string; status: string; scopeGeneration: number }>> {
    return this.dataSource.query(
      `SELECT i.id, i.status, i.scope_generation AS "scopeGeneration" FROM incidents i
       WHERE i.updated_at < $2::timestamptz - ($1::integer * interval '1 millisecond')
         AND (i.status = 'resolving'
              OR (i.status = 'awaiting-review' AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.incident_id = i.id AND n.kind = 'initial')))
       LIMIT 1000`,
      [graceMs, now],
    );
  }

  /** Deliveries of the incident by status (the delivery records live in their own table). */
  async deliveryCounts(incidentId: string): Promise<Record<string, number>> {
    const rows: Array<{ status: string; count: string }> = await this.dataSource.query(
      `SELECT status, count(*)::text AS count FROM deliveries WHERE incident_id = $1 GROUP BY status`,
      [incidentId],
    );
    const out: Record<string, number> = { queued: 0, sent: 0, failed: 0 };
    for (const r of rows) out[r.status] = Number(r.count);
    return out;
  }
}
