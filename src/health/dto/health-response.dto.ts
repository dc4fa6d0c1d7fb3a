import { z } from 'zod';
import { responseSchema } from '../../common/openapi.js';

export const liveSchema = responseSchema('Liveness', z.object({ status: z.literal('ok') }));

const check = z.enum(['up', 'down']);

export const readySchema = responseSchema(
  'Readiness',
  z.object({
    status: z.enum(['ok', 'unavailable']),
    checks: z.object({ postgres: check, redis: check }),
  }),
);
