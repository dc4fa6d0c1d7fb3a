import { z } from 'zod';
import { responseSchema, sha256Hex, timestamp } from '../../common/openapi.js';
import { DELIVERY_CHANNELS, DELIVERY_STATUSES } from '../../delivery/domain/delivery-status.js';
import { incidentSchema } from '../../incidents/dto/incident-response.dto.js';
import { NOTICE_KINDS, NOTICE_STATUSES } from '../../notices/domain/notice-lifecycle.js';
import { obligationSchema } from '../../regulations/dto/regulation-response.dto.js';

const count = () => z.int().min(0);
const nextCursor = z.string().nullable();

const incidentSummarySchema = responseSchema(
  'IncidentSummary',
  incidentSchema.pick({
    id: true,
    externalId: true,
    title: true,
    severity: true,
    phase: true,
    status: true,
    awareAt: true,
  }),
);

const approvalSchema = z.object({
  approver: z.string(),
  approvedAt: timestamp(),
  revision: z.int().min(1),
  contentSha256: sha256Hex(),
});

export const complianceTenantSchema = responseSchema(
  'ComplianceTenant',
  z.object({
    tenantId: z.string(),
    tenantName: z.string().nullable(),
    noticeDueAt: timestamp(),
    firstSentAt: timestamp().nullable(),
    firstSentChannel: z.enum(DELIVERY_CHANNELS).nullable(),
    metDeadline: z
      .boolean()
      .nullable()
      .meta({ description: 'true: told in time; false: late or missed; null: not yet due' }),
    undeliverable: z
      .boolean()
      .meta({ description: 'Every email of this tenant failed or bounced' }),
    deadlineState: z.enum(['notified', 'ok', 'near', 'missed']),
    obligations: z.array(obligationSchema),
    rulesVersion: z.string(),
    acknowledgedAt: timestamp()
      .nullable()
      .meta({ description: "The tenant's first acknowledgement of a notice of this incident" }),
    acknowledgedBy: z.string().nullable().meta({
      description: 'Who acknowledged: a tenant key\'s name, or "Name <email>" from the portal',
    }),
    notices: z.array(
      z.object({
        noticeId: z.uuid(),
        kind: z.enum(NOTICE_KINDS),
        status: z.enum(NOTICE_STATUSES),
        approvedRevision: z.int().nullable(),
        approvedSha256: sha256Hex().nullable(),
        approvedAt: timestamp().nullable(),
        approvals: z.array(approvalSchema),
      }),
    ),
    deliveries: z.array(
      z.object({
        id: z.uuid(),
        noticeId: z.uuid(),
        channel: z.enum(DELIVERY_CHANNELS),
        recipient: z.string(),
        status: z.enum(DELIVERY_STATUSES),
        attempts: count(),
        queuedAt: timestamp(),
        sentAt: timestamp().nullable(),
        failedAt: timestamp().nullable(),
        bouncedAt: timestamp().nullable(),
        messageId: z.string().nullable(),
        contentSha256: sha256Hex().nullable(),
        lastError: z.string().nullable(),
      }),
    ),
  }),
  'One affected tenant: its deadline, whether it was told in time, and the proof',
);

export const incidentComplianceSchema = responseSchema(
  'IncidentCompliance',
  z.object({
    incident: incidentSummarySchema,
    generatedAt: timestamp(),
    summary: z
      .object({
        tenants: count(),
        notifiedInTime: count(),
        late: count(),
        notifiedLate: count(),
        missed: count(),
        notYetDue: count(),
        undeliverable: count(),
      })
      .nullable()
      .meta({ description: 'Over every affected tenant; on the first page only (null after)' }),
    items: z.array(complianceTenantSchema),
    nextCursor,
  }),
);

const portfolioCounts = {
  affected: count(),
  notifiedInTime: count(),
  late: count(),
  notifiedLate: count(),
  missed: count(),
  undeliverable: count(),
  pending: count(),
};

export const portfolioSchema = responseSchema(
  'CompliancePortfolio',
  z.object({
    from: timestamp().nullable(),
    to: timestamp().nullable(),
    generatedAt: timestamp(),
    totals: z.object({ incidents: count(), ...portfolioCounts }),
    items: z.array(
      responseSchema(
        'PortfolioItem',
        z.object({ ...incidentSummarySchema.shape, ...portfolioCounts }),
      ),
    ),
    nextCursor,
  }),
);
