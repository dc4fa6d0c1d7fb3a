import { z } from 'zod';
import { pageSchema, responseSchema, timestamp } from '../../common/openapi.js';
import { DELIVERY_STATUSES } from '../../common/domain/delivery-vocabulary.js';
import { obligationSchema } from '../../regulations/dto/regulation-response.dto.js';
import {
  INCIDENT_PHASES,
  INCIDENT_SEVERITIES,
  INCIDENT_STATUSES,
} from '../domain/incident-status.js';
import { DATA_CATEGORIES } from './incident.dto.js';

export const dataImpactViewSchema = responseSchema(
  'DataImpact',
  z.object({
    categories: z.array(z.enum(DATA_CATEGORIES)),
    description: z.string(),
    dataSubjectsEstimate: z.int().min(0).optional(),
    recordsEstimate: z.int().min(0).optional(),
  }),
);

const scopeList = z.array(z.string()).optional();

const tenantIdCount = z.int().min(0).meta({ description: 'How many tenant ids the scope lists' });

export const scopeViewSchema = responseSchema(
  'Scope',
  z.object({
    tenantIds: scopeList,
    services: scopeList,
    dataRegions: scopeList,
    countries: scopeList,
    tenantIdCount,
  }),
  'Which tenants are affected: lists as given, deduplicated and sorted; empty lists omitted',
);

export const scopeSummarySchema = responseSchema(
  'ScopeSummary',
  z.object({ services: scopeList, dataRegions: scopeList, countries: scopeList, tenantIdCount }),
  'The scope in a list: its attribute lists, and how many tenant ids it lists (the ids are paged at /v1/incidents/{id}/scope/tenant-ids)',
);

export const scopeTenantIdPageSchema = pageSchema(
  'ScopeTenantIdPage',
  responseSchema('ScopeTenantId', z.object({ tenantId: z.string() })),
);

export const incidentAcceptedSchema = responseSchema(
  'IncidentAccepted',
  z.object({ id: z.uuid(), externalId: z.string(), status: z.enum(INCIDENT_STATUSES) }),
);

const incidentFields = {
  id: z.uuid(),
  externalId: z.string(),
  title: z.string(),
  severity: z.enum(INCIDENT_SEVERITIES),
  phase: z.enum(INCIDENT_PHASES),
  status: z.enum(INCIDENT_STATUSES),
  awareAt: timestamp(),
  occurredAt: timestamp().nullable(),
  description: z.string(),
  dataImpact: dataImpactViewSchema,
  actionsTaken: z.array(z.string()),
  suggestedActions: z.array(z.string()),
  scope: scopeViewSchema,
  affectedTenantCount: z.int().min(0),
  earliestNoticeDueAt: timestamp().nullable(),
  rulesVersion: z.string().nullable(),
  createdBy: z.string(),
  createdAt: timestamp(),
  updatedAt: timestamp(),
};

export const incidentSchema = responseSchema(
  'Incident',
  z.object({
    ...incidentFields,
    deliveries: z
      .object(Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, z.int().min(0)])))
      .meta({ description: 'How many deliveries are in each status' }),
  }),
);

export const incidentPageSchema = pageSchema(
  'IncidentPage',
  responseSchema('IncidentListItem', z.object({ ...incidentFields, scope: scopeSummarySchema })),
);

export const incidentTenantSchema = responseSchema(
  'IncidentTenant',
  z.object({
    tenantId: z.string(),
    noticeDueAt: timestamp().meta({
      description: 'When the provider must have told this tenant: the earliest provider dueAt',
    }),
    obligations: z.array(obligationSchema),
    rulesVersion: z.string(),
  }),
);

export const incidentTenantPageSchema = pageSchema('IncidentTenantPage', incidentTenantSchema);
