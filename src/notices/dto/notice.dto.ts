import { z } from 'zod';
import { requestSchema } from '../../common/openapi.js';
import { noBodySchema, nonEmptyLine, text } from '../../common/validation.js';
import { actionListSchema, dataImpactSchema } from '../../incidents/dto/incident.dto.js';
import { locale } from '../../tenants/dto/tenant.dto.js';
import { NOTICE_KINDS } from '../domain/notice-lifecycle.js';

const nonEmptyText = (max?: number) =>
  text(max).refine((v) => v.trim().length > 0, 'must not be empty');

export const translationSchema = z.strictObject({
  title: nonEmptyLine(500).optional(),
  description: nonEmptyText().optional(),
  dataImpactDescription: nonEmptyText().optional(),
  actionsTaken: actionListSchema.optional(),
  suggestedActions: actionListSchema.optional(),
});

export const translationsSchema = z
  .record(z.string(), translationSchema)
  .refine((t) => Object.keys(t).length <= 50, 'must have at most 50 translations')
  .transform((t, ctx) => {
    // Keys are BCP 47 tags, stored canonical (ja-jp -> ja-JP).
    const out: Record<string, z.output<typeof translationSchema>> = {};
    for (const [key, value] of Object.entries(t)) {
      const parsed = locale.safeParse(key);
      if (!parsed.success) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'must be keyed by a BCP 47 language tag',
        });
        return z.NEVER;
      }
      out[parsed.data] = value;
    }
    return out;
  });

/** The customer-facing content of a notice. */
export const noticeContentSchema = z.strictObject({
  title: nonEmptyLine(500),
  description: nonEmptyText(),
  dataImpact: dataImpactSchema,
  actionsTaken: actionListSchema,
  suggestedActions: actionListSchema,
  translations: translationsSchema.optional(),
});
export type NoticeContent = z.output<typeof noticeContentSchema>;

// Every content field, each optional: what a new notice may set and an edit may change.
const partialContent = noticeContentSchema.partial().shape;

/** POST /v1/incidents/{id}/notices: a kind and content; missing content comes from the incident. */
export const createNoticeSchema = z.strictObject({
  kind: z
    .enum(NOTICE_KINDS)
    .refine(
      (k) => k !== 'initial',
      'the initial notice is drafted automatically; create an update or resolution',
    ),
  ...partialContent,
});
export type CreateNoticeDto = z.output<typeof createNoticeSchema>;

/** PATCH /v1/notices/{id}, with one or more content fields; each edit makes a new revision. */
export const patchNoticeSchema = z
  .strictObject({ ...partialContent, expectedRevision: z.number().int().min(1).optional() })
  .refine(
    (v) => Object.keys(v).some((k) => k !== 'expectedRevision'),
    'must change at least one content field',
  );
export type PatchNoticeDto = z.output<typeof patchNoticeSchema>;

export const rejectNoticeSchema = z.strictObject({ reason: nonEmptyText(2000) });

requestSchema(
  'CreateNoticeBody',
  createNoticeSchema,
  'An update or resolution notice; content not given comes from the incident',
);
requestSchema(
  'PatchNoticeBody',
  patchNoticeSchema,
  'Content fields to change; expectedRevision guards against a concurrent edit',
);
requestSchema('RejectNoticeBody', rejectNoticeSchema);
requestSchema('EmptyBody', noBodySchema, 'No fields: send no body, or {}');
