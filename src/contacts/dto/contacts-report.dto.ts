import { z } from 'zod';
import { responseSchema, timestamp } from '../../common/openapi.js';

export const contactsReportSchema = responseSchema(
  'ContactsReport',
  z.object({
    generatedAt: timestamp(),
    items: z.array(
      z.object({
        tenantId: z.string(),
        tenantName: z.string(),
        noticeContacts: z
          .int()
          .min(0)
          .meta({ description: 'How many primary, security and privacy contacts it lists' }),
        hasVerifiedContact: z
          .boolean()
          .meta({ description: 'Whether one of them is verified (within CONTACT_RECONFIRM_DAYS)' }),
        unverified: z
          .array(z.string())
          .meta({ description: 'Their addresses not verified within CONTACT_RECONFIRM_DAYS' }),
        bounced: z
          .array(
            z.object({
              email: z.string(),
              bouncedAt: timestamp(),
              diagnostic: z.string().nullable(),
            }),
          )
          .meta({ description: 'Their addresses whose latest notice email bounced' }),
      }),
    ),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as `cursor` for the next page; null on the last page' }),
  }),
  'Tenants with no verified notice contact, or a notice contact whose latest email bounced, by tenant id',
);
