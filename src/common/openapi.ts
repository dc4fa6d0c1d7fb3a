import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiResponse } from '@nestjs/swagger';
import { z } from 'zod';
import type { Role } from './auth/principal.js';

/** Publishes a zod request schema in the OpenAPI document (the same schema validates). */
export function ApiZodBody(schema: z.ZodType, description?: string) {
  // The document is OpenAPI 3.0 (swagger's default): emit 3.0 schema objects (nullable, no type "null" or propertyNames).
  const json = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    target: 'openapi-3.0',
  }) as Record<string, unknown>;
  delete json.$schema;
  return ApiBody({ schema: json as never, description });
}

/** Documents the roles a route needs and the problem responses every authenticated route has. */
export function ApiAuth(roles: Role[]) {
  return applyDecorators(
    ApiBearerAuth(),
    ApiResponse({ status: 401, description: 'Missing or unknown API key (problem+json)' }),
    ApiResponse({
      status: 403,
      description: `Needs one of the roles: ${['admin', ...roles].join(', ')}`,
    }),
  );
}
