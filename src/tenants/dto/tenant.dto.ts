import { z } from 'zod';
import { requestSchema } from '../../common/openapi.js';
import { LIMITS, nonEmptyLine } from '../../common/validation.js';
import { canonicalLocale, canonicalTimeZone, isCountryOrSubdivision } from '../domain/codes.js';

export const TENANT_ID = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 . _ -');

export const INDUSTRIES = [
  'healthcare',
  'finance',
  'government',
  'critical-infrastructure',
  'education',
  'retail',
  'technology',
  'other',
] as const;

export const CONTACT_ROLES = ['primary', 'security', 'privacy', 'billing'] as const;
/** The contact roles a notice goes to. */
export const NOTICE_ROLES = ['primary', 'security', 'privacy'] as const;

export const locale = z.string().transform((v, ctx) => {
  const canonical = canonicalLocale(v);
  if (!canonical) {
    ctx.addIssue({ code: 'custom', message: 'must be a BCP 47 language tag, e.g. en-US or pt-BR' });
    return z.NEVER;
  }
  return canonical;
});

export const timeZone = z.string().transform((v, ctx) => {
  const canonical = canonicalTimeZone(v);
  if (!canonical) {
    ctx.addIssue({ code: 'custom', message: 'must be an IANA time zone name, e.g. Europe/Berlin' });
    return z.NEVER;
  }
  return canonical;
});

export const countryCode = z.string().transform((v, ctx) => {
  const code = v.toUpperCase();
  if (!isCountryOrSubdivision(code)) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be an ISO 3166-1 alpha-2 or ISO 3166-2 code, e.g. DE or US-CA',
    });
    return z.NEVER;
  }
  return code;
});

/** Short identifiers such as provider regions and services. */
export const slug = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/, 'must be 1-64 characters of A-Z a-z 0-9 . _ : / -');

const uniqueList = <T extends z.ZodType<string>>(item: T, max: number) =>
  z
    .array(item)
    .max(max, `must have at most ${max} items`)
    .transform((values) => [...new Set(values)]);

export const contactSchema = z.strictObject({
  name: nonEmptyLine(200),
  email: z.email('must be an email address').max(254, 'must be at most 254 characters'),
  role: z.enum(CONTACT_ROLES),
  locale: locale.optional(),
});

export const contactsSchema = z
  .array(contactSchema)
  .max(LIMITS.contacts, `must have at most ${LIMITS.contacts} contacts`);

export const tenantBodySchema = z.strictObject({
  id: TENANT_ID.optional(),
  name: nonEmptyLine(200),
  locale: locale.default('en-US'),
  timeZone: timeZone.default('UTC'),
  countries: uniqueList(countryCode, 300).default([]),
  dataRegions: uniqueList(slug, LIMITS.listItems).default([]),
  services: uniqueList(slug, LIMITS.listItems).default([]),
  industries: uniqueList(z.enum(INDUSTRIES), INDUSTRIES.length).default([]),
  flags: z
    .record(
      z
        .string()
        .regex(
          /^[A-Za-z][A-Za-z0-9_-]{0,63}$/,
          'flag names are 1-64 characters of A-Z a-z 0-9 _ -',
        ),
      z.boolean(),
    )
    .refine(
      (f) => Object.keys(f).length <= LIMITS.listItems,
      `must have at most ${LIMITS.listItems} flags`,
    )
    .default({}),
  contractualNoticeHours: z
    .number()
    .int('must be a whole number of hours')
    .min(1)
    .max(8760)
    .nullable()
    .optional(),
  contacts: contactsSchema.default([]),
});

export type TenantBody = z.output<typeof tenantBodySchema>;

const bulkTenants = <T extends z.ZodType>(item: T) =>
  z.strictObject({
    tenants: z
      .array(item)
      .min(1, 'must hold at least one tenant')
      .max(LIMITS.bulkTenants, `must hold at most ${LIMITS.bulkTenants} tenants`),
  });

// Items are validated one by one (tenants.service.ts), so a bad tenant is reported with its index.
export const bulkTenantsSchema = bulkTenants(z.unknown());

export const contactsBodySchema = z.strictObject({ contacts: contactsSchema });

requestSchema(
  'TenantBody',
  tenantBodySchema,
  'A tenant: where its data is, what it uses, whom to tell',
);
/** The bulk body as published: each item is a tenant body whose id is required. */
export const bulkTenantsDocSchema = requestSchema(
  'BulkTenantsBody',
  bulkTenants(tenantBodySchema.extend({ id: TENANT_ID })),
  'Up to 10,000 tenants, all or nothing',
);
requestSchema('ContactsBody', contactsBodySchema);

/** A tenant as the API returns it. */
export interface TenantView {
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
  contacts: Array<{ name: string; email: string; role: string; locale?: string }>;
  createdAt: string;
  updatedAt: string;
}
