import { z } from 'zod';
import { requestSchema } from '../../common/openapi.js';
import { isoTimestamp, LIMITS, nonEmptyLine, text } from '../../common/validation.js';
import { countryCode, slug, TENANT_ID } from '../../tenants/dto/tenant.dto.js';
import {
  DATA_CATEGORIES,
  INCIDENT_PHASES,
  INCIDENT_SEVERITIES,
} from '../domain/incident-vocabulary.js';
import { isEmptyScope, normalizeScope } from '../domain/scope.js';

export { DATA_CATEGORIES };

const nonEmptyText = (max?: number) =>
  text(max).refine((v) => v.trim().length > 0, 'must not be empty');

export const dataImpactSchema = z.strictObject({
  categories: z
    .array(z.enum(DATA_CATEGORIES))
    .min(1, 'must name at least one category (or "none")')
    .max(DATA_CATEGORIES.length)
    .refine((c) => !c.includes('none') || c.length === 1, '"none" stands alone')
    // A set: stored sorted, so the same categories in another order are the same incident.
    .transform((c) => [...new Set(c)].sort()),
  description: nonEmptyText(),
  dataSubjectsEstimate: z.number().int().min(0).max(1e12).optional(),
  recordsEstimate: z.number().int().min(0).max(1e15).optional(),
});

export const actionListSchema = z
  .array(nonEmptyText(2000))
  .max(LIMITS.listItems, `must have at most ${LIMITS.listItems} items`);

export const scopeSchema = z
  .strictObject({
    tenantIds: z
      .array(TENANT_ID)
      .max(LIMITS.tenantIds, `must have at most ${LIMITS.tenantIds} ids`)
      .optional(),
    services: z.array(slug).max(LIMITS.scopeValues).optional(),
    dataRegions: z.array(slug).max(LIMITS.scopeValues).optional(),
    countries: z.array(countryCode).max(LIMITS.scopeValues).optional(),
  })
  .refine(
    (s) => !isEmptyScope(s),
    'must give tenantIds or at least one of services, dataRegions, countries',
  )
  .transform(normalizeScope);

// awareAt and occurredAt may not be in the future: the service checks them against the app's clock,
// allowing this much skew between systems (the schema alone cannot know "now").
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
const toUtc = (v: string) => new Date(v).toISOString();

export const createIncidentSchema = z
  .strictObject({
    externalId: nonEmptyLine(200),
    title: nonEmptyLine(500),
    severity: z.enum(INCIDENT_SEVERITIES),
    phase: z.enum(INCIDENT_PHASES),
    // Stored as UTC with milliseconds: the same instant written with another offset is the same body.
    awareAt: isoTimestamp().transform(toUtc),
    occurredAt: isoTimestamp().transform(toUtc).optional(),
    description: nonEmptyText(),
    dataImpact: dataImpactSchema,
    actionsTaken: actionListSchema.default([]),
    suggestedActions: actionListSchema.default([]),
    scope: scopeSchema,
  })
  .superRefine((v, ctx) => {
    if (v.occurredAt && Date.parse(v.occurredAt) > Date.parse(v.awareAt)) {
      ctx.addIssue({ code: 'custom', path: ['occurredAt'], message: 'must not be after awareAt' });
    }
  });
export type CreateIncidentDto = z.output<typeof createIncidentSchema>;

export const patchIncidentSchema = z
  .strictObject({
    phase: z.enum(INCIDENT_PHASES).optional(),
    actionsTaken: actionListSchema.min(1, 'must add at least one action').optional(),
    scope: scopeSchema.optional(),
  })
  .refine(
    (v) => v.phase !== undefined || v.actionsTaken !== undefined || v.scope !== undefined,
    'must change phase, actionsTaken or scope',
  );
export type PatchIncidentDto = z.output<typeof patchIncidentSchema>;

requestSchema(
  'CreateIncidentBody',
  createIncidentSchema,
  'An incident to notify affected tenants of',
);
requestSchema(
  'PatchIncidentBody',
  patchIncidentSchema,
  'A later phase, more actions taken, or a wider scope',
);
