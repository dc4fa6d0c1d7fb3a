import { z } from 'zod';
import { requestSchema, responseSchema, timestamp } from '../../common/openapi.js';
import { TENANT_ID } from '../../tenants/dto/tenant.dto.js';

export const acknowledgeBodySchema = requestSchema(
  'AcknowledgeBody',
  z.strictObject({
    tenantId: TENANT_ID.optional().meta({
      description: "The acknowledging tenant; a tenant key's own tenant when left out",
    }),
  }),
);

export const acknowledgementSchema = responseSchema(
  'Acknowledgement',
  z.object({
    noticeId: z.uuid(),
    tenantId: z.string(),
    acknowledgedAt: timestamp(),
    acknowledgedBy: z
      .string()
      .meta({ description: 'The API key\'s name, or "Name <email>" of the person in the portal' }),
  }),
  'The first acknowledgement of this notice by this tenant',
);
