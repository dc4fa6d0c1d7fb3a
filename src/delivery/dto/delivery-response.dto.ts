import { z } from 'zod';
import { pageSchema, responseSchema, sha256Hex, timestamp } from '../../common/openapi.js';
import { DELIVERY_CHANNELS, DELIVERY_STATUSES } from '../domain/delivery-status.js';

export const deliverySchema = responseSchema(
  'Delivery',
  z.object({
    id: z.uuid(),
    noticeId: z.uuid(),
    incidentId: z.uuid(),
    tenantId: z.string(),
    channel: z.enum(DELIVERY_CHANNELS),
    recipient: z.string().meta({ description: 'The email address, or the tenant id for its feed' }),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.int().min(0),
    queuedAt: timestamp(),
    sentAt: timestamp().nullable(),
    failedAt: timestamp().nullable(),
    nextAttemptAt: timestamp().nullable(),
    lastError: z.string().nullable(),
    messageId: z.string().nullable().meta({ description: "The relay's Message-ID, once sent" }),
    contentSha256: sha256Hex().nullable().meta({ description: 'sha256 of the exact bytes sent' }),
    noticeDueAt: timestamp(),
    metDeadline: z
      .boolean()
      .nullable()
      .meta({ description: 'null until sent or failed; false once bounced' }),
    bouncedAt: timestamp()
      .nullable()
      .meta({ description: 'When a delivery status notification said it did not arrive' }),
    error: z.string().nullable().meta({
      description: 'Why it did not arrive (failed: the last error; bounced: the diagnostic)',
    }),
  }),
  'One email to one contact, or one post on the tenant feed',
);

export const deliveryPageSchema = pageSchema('DeliveryPage', deliverySchema);

export const deliveryBacklogSchema = responseSchema(
  'DeliveryBacklog',
  z.object({
    items: z.array(
      z.object({
        incidentId: z.uuid(),
        unsentTenantsDueWithinHour: z.int().min(0).meta({
          description:
            'Affected tenants not yet sent any delivery whose notice deadline is within the next hour (or already past)',
        }),
      }),
    ),
  }),
);
