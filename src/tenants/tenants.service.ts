import { Injectable } from '@nestjs/common';
import { AuditEventInput, AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock/clock.js';
import { FieldError, invalid, notFound } from '../common/errors.js';
import { pauseEvery } from '../common/event-loop.js';
import { toFieldErrors } from '../common/validation.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { TenantContact, TenantEntity } from './entities/tenant.entity.js';
import { NOTICE_ROLES, tenantBodySchema, TenantBody, TenantView } from './dto/tenant.dto.js';
import { TenantContactsRow, TenantRecord, TenantsRepository } from './tenants.repository.js';

const MAX_REPORTED_ERRORS = 100;

export function toTenantView(t: TenantEntity): TenantView {
  return {
    id: t.id,
    name: t.name,
    locale: t.locale,
    timeZone: t.timeZone,
    countries: t.countries,
    dataRegions: t.dataRegions,
    services: t.services,
    industries: t.industries,
    flags: t.flags,
    contractualNoticeHours: t.contractualNoticeHours,
    contacts: t.contacts,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

function toRecord(id: string, body: TenantBody): TenantRecord {
  return {
    id,
    name: body.name,
    locale: body.locale,
    timeZone: body.timeZone,
    countries: body.countries,
    dataRegions: body.dataRegions,
    services: body.services,
    industries: body.industries,
    flags: body.flags,
    contractualNoticeHours: body.contractualNoticeHours ?? null,
    contacts: body.contacts as TenantContact[],
  };
}

const COMPARED: Array<keyof TenantRecord> = [
  'name',
  'locale',
  'timeZone',
  'countries',
  'dataRegions',
  'services',
  'industries',
  'flags',
  'contractualNoticeHours',
  'contacts',
];

/** The fields that change, as {field: {from, to}}; what the audit log records for an update. */
function diff(
  before: TenantEntity,
  after: TenantRecord,
): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of COMPARED) {
    const from = before[key as keyof TenantEntity];
    if (JSON.stringify(from) !== JSON.stringify(after[key])) out[key] = { from, to: after[key] };
  }
  return out;
}

@Injectable()
export class TenantsService {
  constructor(
    private readonly repository: TenantsRepository,
    private readonly audit: AuditService,
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
  ) {}

  async get(id: string): Promise<TenantView> {
    const tenant = await this.repository.findById(id);
    if (!tenant) throw notFound('Tenant', id);
    return toTenantView(tenant);
  }

  /** Tenants where this address is a notice contact (primary, security, privacy). */
  withNoticeContact(email: string): Promise<TenantContactsRow[]> {
    return this.repository.withNoticeContact(email, NOTICE_ROLES);
  }

  /** Tenants updated at or after `since`, oldest change first, a page at a time. */
  changedSince(
    since: Date,
    after: { updatedAt: Date; id: string } | null,
    limit: number,
  ): Promise<TenantContactsRow[]> {
    return this.repository.changedSince(since, after, limit);
  }

  /** Every tenant's contacts by id, a page at a time. */
  contactsPage(afterId: string, limit: number): Promise<TenantContactsRow[]> {
    return this.repository.contactsPage(afterId, limit);
  }

  async exists(id: string): Promise<boolean> {
    return (await this.repository.findById(id)) !== null;
  }

  async put(
    id: string,
    body: TenantBody,
    actor: string,
  ): Promise<{ created: boolean; tenant: TenantView }> {
    if (body.id !== undefined && body.id !== id) {
      throw invalid([{ path: 'id', message: `must match the id in the path (${id})` }]);
    }
    const { created } = await this.upsert([toRecord(id, body)], actor);
    return { created: created.has(id), tenant: await this.get(id) };
  }

  /** All-or-nothing: every tenant is validated before anything is written. */
  async bulk(items: unknown[], actor: string): Promise<{ created: number; updated: number }> {
    const errors: FieldError[] = [];
    const records: TenantRecord[] = [];
    const seen = new Map<string, number>();
    for (const [index, item] of items.entries()) {
      if (errors.length >= MAX_REPORTED_ERRORS) break;
      // 10,000 tenants take a while to validate: let other requests run between slices.
      await pauseEvery(index);
      const parsed = tenantBodySchema.safeParse(item);
      if (!parsed.success) {
        errors.push(...toFieldErrors(parsed.error, ['tenants', index]));
        continue;
      }
      const id = parsed.data.id;
      if (id === undefined) {
        errors.push({ path: `tenants[${index}].id`, message: 'is required in a bulk request' });
        continue;
      }
      const earlier = seen.get(id);
      if (earlier !== undefined) {
        errors.push({ path: `tenants[${index}].id`, message: `repeats tenants[${earlier}].id` });
        continue;
      }
      seen.set(id, index);
      records.push(toRecord(id, parsed.data));
    }
    if (errors.length > 0) {
      const first = errors[0].path.match(/^tenants\[(\d+)\]/)?.[1];
      throw invalid(
        errors.slice(0, MAX_REPORTED_ERRORS),
        `tenant at index ${first} is invalid; nothing was stored`,
      );
    }
    const { created } = await this.upsert(records, actor);
    return { created: created.size, updated: records.length - created.size };
  }

  async replaceContacts(id: string, contacts: TenantContact[], actor: string): Promise<TenantView> {
    await this.uow.run(async (manager) => {
      const [existing] = await this.repository.lockExisting(manager, [id]);
      if (!existing) throw notFound('Tenant', id);
      await this.repository.replaceContacts(manager, id, contacts, this.clock.now());
      await this.audit.append(manager, [
        {
          actor,
          action: 'tenant.contacts-replaced',
          entityType: 'tenant',
          entityId: id,
          change: { contacts: { from: existing.contacts, to: contacts } },
        },
      ]);
    });
    return this.get(id);
  }

  private async upsert(records: TenantRecord[], actor: string): Promise<{ created: Set<string> }> {
    return this.uow.run(async (manager) => {
      const before = new Map(
        (
          await this.repository.lockExisting(
            manager,
            records.map((r) => r.id),
          )
        ).map((t) => [t.id, t]),
      );
      const created = await this.repository.upsertMany(manager, records, this.clock.now());
      const events: AuditEventInput[] = [];
      for (const [index, record] of records.entries()) {
        await pauseEvery(index);
        const old = before.get(record.id);
        if (!old) {
          events.push({
            actor,
            action: 'tenant.created',
            entityType: 'tenant',
            entityId: record.id,
            change: { after: record },
          });
        } else {
          const changes = diff(old, record);
          if (Object.keys(changes).length > 0) {
            events.push({
              actor,
              action: 'tenant.updated',
              entityType: 'tenant',
              entityId: record.id,
              change: changes,
            });
          }
        }
      }
      await this.audit.append(manager, events);
      return { created };
    });
  }
}
