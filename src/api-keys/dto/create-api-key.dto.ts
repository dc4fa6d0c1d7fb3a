import { z } from 'zod';
import { requestSchema } from '../../common/openapi.js';
import { isoTimestamp, nonEmptyLine } from '../../common/validation.js';
import { ROLES } from '../../common/auth/principal.js';
import { TENANT_ID } from '../../tenants/dto/tenant.dto.js';
import { reservedNameReason } from '../domain/api-key-secret.js';

export const createApiKeySchema = z
  .strictObject({
    name: nonEmptyLine(200),
    roles: z.array(z.enum(ROLES)).min(1, 'must name at least one role').max(ROLES.length),
    tenantId: TENANT_ID.optional(),
    expiresAt: isoTimestamp().optional(),
  })
  .superRefine((value, ctx) => {
    const reserved = reservedNameReason(value.name);
    if (reserved) ctx.addIssue({ code: 'custom', path: ['name'], message: reserved });
    const isTenant = value.roles.includes('tenant');
    if (isTenant && !value.tenantId) {
      ctx.addIssue({ code: 'custom', path: ['tenantId'], message: 'is required for a tenant key' });
    }
    if (isTenant && value.roles.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['roles'],
        message: 'a tenant key holds the tenant role alone',
      });
    }
    if (!isTenant && value.tenantId) {
      ctx.addIssue({
        code: 'custom',
        path: ['tenantId'],
        message: 'only a tenant key is bound to a tenant',
      });
    }
    // expiresAt must also be in the future: ApiKeysService checks that against the app's Clock.
  });

export type CreateApiKeyDto = z.infer<typeof createApiKeySchema>;

requestSchema(
  'CreateApiKeyBody',
  createApiKeySchema,
  'A tenant key holds the tenant role alone and names its tenant',
);
