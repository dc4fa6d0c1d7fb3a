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
    shard: z.int().min(0).nullable().meta({
      description: 'The shard whose chain the event is in (null: the format-1 global chain)',
    }),
    prevSeq: z
      .string()
      .nullable()
      .meta({ description: "The previous event of the same shard (null: the shard's first)" }),
    prevHash: sha256Hex(),
    hash: sha256Hex().meta({
      description: 'sha256(prevHash, newline, RFC 8785 JSON of the event) (docs/auditor-guide.md)',
    }),
  }),
);

export const auditEventPageSchema = pageSchema('AuditEventPage', auditEventSchema);

const anchorSchema = z.object({
  seq: z.string(),
  hash: sha256Hex(),
  matches: z.boolean(),
  detail: z.string(),
});

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
        kind: z.enum(['gap', 'prev-hash', 'hash', 'truncated', 'checkpoint']),
        seq: z.string(),
        id: z.uuid().optional(),
        expectedSeq: z.string().optional(),
        shard: z.int().min(0).optional(),
        checkpointSeq: z.string().optional(),
        detail: z.string(),
      })
      .optional()
      .meta({ description: 'The first edited, reordered or missing event, when not valid' }),
    anchor: anchorSchema
      .optional()
      .meta({ description: 'When anchorSeq and anchorHash were given' }),
    checkpointAnchor: anchorSchema
      .optional()
      .meta({ description: 'When checkpointSeq and checkpointHash were given' }),
    checkpoint: z
      .object({
        seq: z.string(),
        hash: sha256Hex(),
        root: sha256Hex(),
        createdAt: timestamp(),
        valid: z.boolean(),
        signature: z.enum(['signed', 'unsigned', 'unchecked']),
        eventsAfter: z.int().min(0),
        detail: z.string(),
      })
      .optional()
      .meta({ description: "The latest checkpoint: every shard's newest event in a Merkle root" }),
  }),
);
