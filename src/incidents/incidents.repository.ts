import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { pageByCreated } from '../database/keyset.js';
import { IncidentEntity, type IncidentScope } from './entities/incident.entity.js';
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

/** A listed incident: its scope without the tenant ids, and how many ids it lists. */
export type IncidentListRow = Omit<IncidentEntity, 'scope'> & {
  scope: Omit<IncidentScope, 'tenantIds'>;
  tenantIdCount: number;
};

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

  /**
   * A page of incidents, newest first, each with its scope's attribute lists and the number of
   * tenant ids it lists: an incident may list 100,000 ids (2.3 MB), which a list never reads.
   */
  async list(
    limit: number,
    after?: { createdAt: string; id: string },
    status?: string,
  ): Promise<IncidentListRow[]> {
    const columns = this.dataSource
      .getMetadata(IncidentEntity)
      .columns.filter((c) => c.propertyName !== 'scope')
      .map((c) => `i.${c.propertyName}`);
    const qb = pageByCreated(
      this.dataSource.manager
        .createQueryBuilder(IncidentEntity, 'i')
        .select(columns)
        .addSelect(`i.scope - 'tenantIds'`, 'scope_attributes')
        .addSelect(
          `jsonb_array_length(COALESCE(i.scope -> 'tenantIds', '[]'::jsonb))`,
          'tenant_id_count',
        ),
      'i',
      'DESC',
      limit,
      after,
    );
    if (status) qb.andWhere('i.status = :status', { status });
    // One row per entity (no joins): raw rows and entities come back in the same order.
    const { entities, raw } = await qb.getRawAndEntities<{
      scope_attributes: IncidentScope;
      tenant_id_count: number;
    }>();
    return entities.map((incident, n) =>
      Object.assign(incident, {
        scope: raw[n].scope_attributes,
        tenantIdCount: Number(raw[n].tenant_id_count),
      }),
    );
  }

  async exists(id: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query('SELECT 1 FROM incidents WHERE id = $1', [
      id,
    ]);
    return rows.length > 0;
  }

  /**
   * A page of the tenant ids an incident's scope lists, in byte order (COLLATE "C", as the
   * cursor compares), after `afterTenantId`.
   */
  async scopeTenantIds(
    incidentId: string,
    afterTenantId: string | undefined,
    limit: number,
  ): Promise<string[]> {
    const rows: Array<{ tenantId: string }> = await this.dataSource.query(
      `SELECT t.id AS "tenantId"
       FROM incidents i
       CROSS JOIN LATERAL jsonb_array_elements_text(COALESCE(i.scope -> 'tenantIds', '[]'::jsonb)) AS t(id)
       WHERE i.id = $1 AND ($2::text IS NULL OR t.id COLLATE "C" > $2::text COLLATE "C")
       ORDER BY t.id COLLATE "C"
       LIMIT $3`,
      [incidentId, afterTenantId ?? null, limit],
    );
    return rows.map((r) => r.tenantId);
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

  /**
   * Incidents that went quiet for longer than the grace in `status`: resolution (resolving) or
   * drafting (awaiting-review) may have been lost. Whether a draft exists, notices/ reports.
   */
  async quiet(
    status: 'resolving' | 'awaiting-review',
    graceMs: number,
    now: Date,
    limit: number | null,
  ): Promise<Array<{ id: string; scopeGeneration: number }>> {
    return this.dataSource.query(
      `SELECT i.id, i.scope_generation AS "scopeGeneration" FROM incidents i
       WHERE i.updated_at < $2::timestamptz - ($1::integer * interval '1 millisecond')
         AND i.status = $3
       LIMIT $4`,
      [graceMs, now, status, limit],
    );
  }
}
