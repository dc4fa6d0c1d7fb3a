import { z } from 'zod';
import { pageSchema, responseSchema, sha256Hex, timestamp } from '../../common/openapi.js';

const seq = () =>
  z
    .string()
    .regex(/^[1-9][0-9]*$/)
    .meta({ description: 'Position in the chain' });

export const auditEventSchema = responseSchema(
  'AuditEvent',
  z.object({
    seq: seq(),
    id: z.uuid(),
    occurredAt: timestamp(),
    actor: z.string().meta({ description: 'The API key name, or system' }),
    action: z.string().meta({ example: 'notice.approved' }),
    entityType: z.string(),
    entityId: z.string().nullable(),
    incidentId: z.uuid().nullable(),
    change: z.record(z.string(), z.unknown()),
    prevHash: sha256Hex(),
    hash: sha256Hex().meta({
      description: 'sha256(prevHash, newline, RFC 8785 JSON of the event)',
    }),
  }),
);

export const auditEventPageSchema = pageSchema('AuditEventPage', auditEventSchema);

export const auditVerifySchema = responseSchema(
  'AuditVerification',
  z.object({
    valid: z.boolean(),
    events: z.int().min(0),
    headSeq: z.string(),
    headHash: sha256Hex(),
    verifiedAt: timestamp(),
    firstBroken: z
      .object({
        kind: z.enum(['gap', 'prev-hash', 'hash']),
        seq: z.string(),
        id: z.uuid().optional(),
        expectedSeq: z.string().optional(),
        detail: z.string(),
      })
      .optional()
      .meta({ description: 'The first edited, reordered or missing event, when not valid' }),
    anchor: z
      .object({ seq: z.string(), hash: sha256Hex(), matches: z.boolean(), detail: z.string() })
      .optional()
      .meta({ description: 'When anchorSeq and anchorHash were given' }),
  }),
);
