import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { TenantContact, TenantEntity } from './entities/tenant.entity.js';
import { countryMatchCodes } from './domain/codes.js';

export interface TenantRecord {
  id: string;
  name: string;
  locale: string;
  timeZone: string;
  countries: string[];
  dataRegions: string[];
  services: string[];
  industries: string[];
  flags: Record<string, boolean>;
  contractualNoticeHours: number | null;
  contacts: TenantContact[];
}

@Injectable()
export class TenantsRepository {
  constructor(private readonly dataSource: DataSource) {}

  findById(
    id: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<TenantEntity | null> {
    return manager.findOne(TenantEntity, { where: { id } });
  }

  /**
   * Locks and returns the rows that exist among `ids`, 1,000 ids per statement: turning 10,000
   * rows into entities at once held the event loop for a third of a second. Ids are locked in
   * sorted order, chunk after chunk, so two bulk calls cannot deadlock.
   */
  async lockExisting(manager: EntityManager, ids: string[]): Promise<TenantEntity[]> {
    const sorted = [...new Set(ids)].sort();
    const rows: TenantEntity[] = [];
    for (let i = 0; i < sorted.length; i += 1000) {
      const chunk = await manager
        .createQueryBuilder(TenantEntity, 't')
        .where('t.id = ANY(:ids)', { ids: sorted.slice(i, i + 1000) })
        // Byte order, as the JavaScript sort above: one lock order across chunks.
        .orderBy('t.id COLLATE "C"')
        .setLock('pessimistic_write')
        .getMany();
      rows.push(...chunk);
    }
    return rows;
  }

  /** Inserts or replaces tenants, 1,000 per statement; returns the ids that were created. */
  async upsertMany(
    manager: EntityManager,
    tenants: TenantRecord[],
    at: Date,
  ): Promise<Set<string>> {
    const created = new Set<string>();
    for (let i = 0; i < tenants.length; i += 1000) {
      const chunk = tenants
        .slice(i, i + 1000)
        .map((t) => ({ ...t, countryMatch: countryMatchCodes(t.countries) }));
      const rows: Array<{ id: string; inserted: boolean }> = await manager.query(
        `INSERT INTO tenants AS t (id, name, locale, time_zone, countries, country_match, data_regions, services, industries, flags, contractual_notice_hours, contacts, created_at, updated_at)
         SELECT r.id, r.name, r.locale, r."timeZone",
                ARRAY(SELECT jsonb_array_elements_text(r.countries)),
                ARRAY(SELECT jsonb_array_elements_text(r."countryMatch")),
                ARRAY(SELECT jsonb_array_elements_text(r."dataRegions")),
                ARRAY(SELECT jsonb_array_elements_text(r.services)),
                ARRAY(SELECT jsonb_array_elements_text(r.industries)),
                r.flags, r."contractualNoticeHours", r.contacts, $2::timestamptz, $2::timestamptz
         FROM jsonb_to_recordset($1::jsonb) AS r(id text, name text, locale text, "timeZone" text, countries jsonb, "countryMatch" jsonb,
              "dataRegions" jsonb, services jsonb, industries jsonb, flags jsonb, "contractualNoticeHours" integer, contacts jsonb)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, locale = EXCLUDED.locale, time_zone = EXCLUDED.time_zone,
           countries = EXCLUDED.countries, country_match = EXCLUDED.country_match, data_regions = EXCLUDED.data_regions,
           services = EXCLUDED.services, industries = EXCLUDED.industries, flags = EXCLUDED.flags,
           contractual_notice_hours = EXCLUDED.contractual_notice_hours, contacts = EXCLUDED.contacts, updated_at = $2::timestamptz
         RETURNING id, (xmax = 0) AS inserted`,
        [JSON.stringify(chunk), at],
      );
      for (const row of rows) if (row.inserted) created.add(row.id);
    }
    return created;
  }

  async replaceContacts(
    manager: EntityManager,
    id: string,
    contacts: TenantContact[],
    at: Date,
  ): Promise<void> {
    await manager.query('UPDATE tenants SET contacts = $2::jsonb, updated_at = $3 WHERE id = $1', [
      id,
      JSON.stringify(contacts),
      at,
    ]);
  }

  /** Tenants with a notice contact at this address (any case): the portal's sign-in by link. */
  withNoticeContact(email: string, roles: readonly string[]): Promise<TenantContactsRow[]> {
    return this.dataSource.query(
      `SELECT id, name, locale, contacts, updated_at AS "updatedAt" FROM tenants t
        WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(t.contacts) c
                       WHERE lower(c->>'email') = lower($1) AND c->>'role' = ANY($2::text[]))
        ORDER BY id LIMIT 100`,
      [email, roles],
    );
  }

  /** Tenants changed since `since` (by updated_at, then id), a page at a time. */
  changedSince(
    since: Date,
    after: { updatedAt: Date; id: string } | null,
    limit: number,
  ): Promise<TenantContactsRow[]> {
    const params: unknown[] = [since, limit];
    let where = 'updated_at >= $1';
    if (after) {
      params.push(after.updatedAt, after.id);
      where += ' AND (updated_at, id) > ($3::timestamptz, $4::text)';
    }
    return this.dataSource.query(
      `SELECT id, name, locale, contacts, updated_at AS "updatedAt" FROM tenants
        WHERE ${where} ORDER BY updated_at, id LIMIT $2`,
      params,
    );
  }

  /** Every tenant's contacts, by id, a page at a time. */
  contactsPage(afterId: string, limit: number): Promise<TenantContactsRow[]> {
    return this.dataSource.query(
      `SELECT id, name, locale, contacts, updated_at AS "updatedAt" FROM tenants
        WHERE id > $1 ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
  }
}

export interface TenantContactsRow {
  id: string;
  name: string;
  locale: string;
  contacts: TenantContact[];
  updatedAt: Date;
}
