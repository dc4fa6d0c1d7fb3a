import { z } from 'zod';
import { responseSchema, timestamp } from '../../common/openapi.js';
import { ruleFileSchema } from '../domain/rule-set.js';

/** One thing an incident obliges someone to do by a deadline (docs/api.md "An obligation"). */
export const obligationSchema = responseSchema(
  'Obligation',
  z.object({
    regulationId: z.string().meta({ example: 'gdpr-art33' }),
    notifier: z.enum(['provider', 'tenant']),
    recipient: z.string(),
    dueAt: timestamp()
      .nullable()
      .meta({ description: 'null when the law sets no fixed deadline (see dueText)' }),
    dueText: z.string(),
    citation: z.string(),
  }),
  'An obligation: who must notify whom, by when, under which rule',
);

export const ruleResponseSchema = responseSchema(
  'Rule',
  ruleFileSchema.shape.rules.element,
  'A notification rule as loaded (shipped rules merged with the operator override)',
);

export const regulationsSchema = responseSchema(
  'Regulations',
  z.object({
    version: z.string(),
    items: z.array(ruleResponseSchema),
    regionGroups: z.record(z.string(), z.array(z.string())),
    nextCursor: z.null(),
  }),
  'The loaded rule set: every rule on one page',
);
