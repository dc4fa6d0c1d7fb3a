import { z } from 'zod';
import { pageSchema, responseSchema, timestamp } from '../../common/openapi.js';
import { WEBHOOK_EVENTS } from '../domain/webhook-events.js';

const secret = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/=]+$/)
  .meta({
    description: 'The signing secret (Standard Webhooks `whsec_…`): shown only in this answer',
  });

export const createdWebhookSchema = responseSchema(
  'CreatedWebhook',
  z.object({ id: z.uuid(), url: z.string(), events: z.array(z.enum(WEBHOOK_EVENTS)), secret }),
  'The endpoint, with its signing secret (only here)',
);

export const rotatedSecretSchema = responseSchema(
  'RotatedWebhookSecret',
  z.object({ secret }),
  'The new signing secret; the previous one keeps signing for WEBHOOK_SECRET_OVERLAP_HOURS',
);

export const webhookSchema = responseSchema(
  'Webhook',
  z.object({
    id: z.uuid(),
    tenantId: z.string(),
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENTS)),
    createdAt: timestamp(),
    rotatedAt: timestamp().nullable(),
    previousSecretExpiresAt: timestamp()
      .nullable()
      .meta({ description: 'Until then the previous secret signs too (after a rotation)' }),
    disabledAt: timestamp().nullable(),
    disabledReason: z.string().nullable(),
    failingSince: timestamp()
      .nullable()
      .meta({ description: 'Since when every call has failed; null after a success' }),
    lastSuccessAt: timestamp().nullable(),
    stats: z.object({
      attempts24h: z.number().int(),
      succeeded24h: z.number().int(),
      successRate24h: z.number().nullable(),
      recent: z.array(
        z.object({
          attemptedAt: timestamp(),
          event: z.string(),
          messageId: z.string(),
          statusCode: z.number().int().nullable(),
          ok: z.boolean(),
          error: z.string().nullable(),
          durationMs: z.number().int(),
        }),
      ),
    }),
  }),
  'An endpoint, never its secret, with its recent calls',
);

export const webhookPageSchema = pageSchema('WebhookPage', webhookSchema);
