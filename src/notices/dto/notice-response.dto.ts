import { z } from 'zod';
import { pageSchema, responseSchema, sha256Hex, timestamp } from '../../common/openapi.js';
import { dataImpactViewSchema } from '../../incidents/dto/incident-response.dto.js';
import { NOTICE_KINDS, NOTICE_STATUSES } from '../domain/notice-lifecycle.js';

export const translationViewSchema = responseSchema(
  'NoticeTranslation',
  z.object({
    title: z.string().optional(),
    description: z.string().optional(),
    dataImpactDescription: z.string().optional(),
    actionsTaken: z.array(z.string()).optional(),
    suggestedActions: z.array(z.string()).optional(),
  }),
);

export const noticeContentViewSchema = responseSchema(
  'NoticeContent',
  z.object({
    title: z.string(),
    description: z.string(),
    dataImpact: dataImpactViewSchema,
    actionsTaken: z.array(z.string()),
    suggestedActions: z.array(z.string()),
    translations: z
      .record(z.string(), translationViewSchema)
      .optional()
      .meta({ description: 'By BCP 47 language tag' }),
  }),
  'What the tenants read',
);

export const noticeSchema = responseSchema(
  'Notice',
  z.object({
    id: z.uuid(),
    incidentId: z.uuid(),
    kind: z.enum(NOTICE_KINDS),
    status: z.enum(NOTICE_STATUSES),
    revision: z.int().min(1),
    content: noticeContentViewSchema,
    contentSha256: sha256Hex(),
    createdBy: z.string(),
    editedBy: z.string(),
    approvedBy: z.string().nullable(),
    approvals: z.array(
      z.object({
        approver: z.string(),
        revision: z.int().min(1),
        contentSha256: sha256Hex(),
        approvedAt: timestamp(),
      }),
    ),
    approvalsRequired: z.int().min(1),
    approvedRevision: z.int().nullable(),
    approvedSha256: sha256Hex().nullable(),
    approvedAt: timestamp().nullable(),
    rejectedBy: z.string().nullable(),
    rejectedAt: timestamp().nullable(),
    rejectReason: z.string().nullable(),
    sentAt: timestamp().nullable(),
    createdAt: timestamp(),
    updatedAt: timestamp(),
  }),
);

export const noticePageSchema = pageSchema('NoticePage', noticeSchema);

export const revisionPageSchema = pageSchema(
  'NoticeRevisionPage',
  responseSchema(
    'NoticeRevision',
    z.object({
      revision: z.int().min(1),
      content: noticeContentViewSchema,
      contentSha256: sha256Hex(),
      editedBy: z.string(),
      editedAt: timestamp(),
    }),
  ),
);

export const previewSchema = responseSchema(
  'NoticePreview',
  z.object({
    subject: z.string(),
    html: z.string(),
    text: z.string(),
    locale: z.string(),
    channel: z.enum(['email', 'dashboard']),
    revision: z.int().min(1),
    contentSha256: sha256Hex(),
  }),
  'The notice exactly as that tenant receives it',
);
