import { z } from 'zod';
import { responseSchema, timestamp } from '../../common/openapi.js';
import { CONTACT_ROLES, INDUSTRIES } from './tenant.dto.js';

export const tenantContactSchema = responseSchema(
  'Contact',
  z.object({
    name: z.string(),
    email: z.email(),
    role: z.enum(CONTACT_ROLES),
    locale: z.string().optional().meta({ description: "Overrides the tenant's locale" }),
  }),
);

export const tenantSchema = responseSchema(
  'Tenant',
  z.object({
    id: z.string().meta({ example: 'acme-gmbh' }),
    name: z.string(),
    locale: z.string().meta({ example: 'de-DE' }),
    timeZone: z.string().meta({ example: 'Europe/Berlin' }),
    countries: z.array(z.string()),
    dataRegions: z.array(z.string()),
    services: z.array(z.string()),
    industries: z.array(z.enum(INDUSTRIES)),
    flags: z.record(z.string(), z.boolean()),
    contractualNoticeHours: z
      .int()
      .nullable()
      .meta({ description: 'null: the service-wide default applies' }),
    contacts: z.array(tenantContactSchema),
    createdAt: timestamp(),
    updatedAt: timestamp(),
  }),
  'A tenant as stored',
);

export const bulkResultSchema = responseSchema(
  'BulkTenantsResult',
  z.object({ created: z.int().min(0), updated: z.int().min(0) }),
);
