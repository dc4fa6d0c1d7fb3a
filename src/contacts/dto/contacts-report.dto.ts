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
        unverified: z
          .array(z.string())
          .meta({ description: 'Their addresses: none verified within CONTACT_RECONFIRM_DAYS' }),
      }),
    ),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as `cursor` for the next page; null on the last page' }),
  }),
  'Tenants with no verified notice contact, by tenant id',
);
