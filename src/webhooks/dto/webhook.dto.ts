import { z } from 'zod';
import { requestSchema } from '../../common/openapi.js';
import { WEBHOOK_EVENTS } from '../domain/webhook-events.js';

export const createWebhookSchema = z.strictObject({
  url: z.string().max(2000, 'must be at most 2000 characters').meta({
    description:
      'https:// to a public address (http:// to loopback only with WEBHOOK_ALLOW_LOOPBACK=true)',
  }),
  events: z
    .array(z.enum(WEBHOOK_EVENTS))
    .min(1, 'must name at least one event')
    .max(WEBHOOK_EVENTS.length * 2),
});

export type CreateWebhookDto = z.infer<typeof createWebhookSchema>;

requestSchema('CreateWebhookBody', createWebhookSchema, 'An endpoint and the events it receives');
