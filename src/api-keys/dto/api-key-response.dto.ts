import { z } from 'zod';
import { ROLES } from '../../common/auth/principal.js';
import { pageSchema, responseSchema, timestamp } from '../../common/openapi.js';

const apiKeyFields = {
  id: z.uuid(),
  name: z.string().meta({ description: 'Recorded as the actor of every change the key makes' }),
  roles: z.array(z.enum(ROLES)),
  tenantId: z.string().nullable().meta({ description: 'Set for a tenant key only' }),
  prefix: z.string().meta({ description: 'The first characters of the secret, to recognise it' }),
  createdAt: timestamp(),
  createdBy: z.string(),
  expiresAt: timestamp().nullable(),
  revokedAt: timestamp().nullable(),
  lastUsedAt: timestamp().nullable(),
};

export const apiKeySchema = responseSchema(
  'ApiKey',
  z.object(apiKeyFields),
  'An API key, never its secret',
);

export const createdApiKeySchema = responseSchema(
  'CreatedApiKey',
  z.object({
    ...apiKeyFields,
    key: z.string().meta({ description: 'The secret: shown only in this answer, stored hashed' }),
  }),
);

export const apiKeyPageSchema = pageSchema('ApiKeyPage', apiKeySchema);
