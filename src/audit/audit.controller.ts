import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { Roles } from '../common/auth/principal.js';
import { keysetPages, respondWithList } from '../common/list-responder.js';
import { ApiAuth, ApiCsvResponse, ApiZodQuery, ApiZodResponse } from '../common/openapi.js';
import {
  decodeCursor,
  limitSchema,
  Page,
  parseQuery,
  timeWindow,
  toPage,
} from '../common/pagination.js';
import { isoTimestamp, line } from '../common/validation.js';
import { AuditQuery } from './audit.repository.js';
import { AuditService, VerifyResult } from './audit.service.js';
import { auditEventPageSchema, auditVerifySchema } from './dto/audit-response.dto.js';
import type { LoggedEvent as StoredEvent } from './domain/audit-shards.js';
import { Clock } from '../common/clock/clock.js';

// audit_events.seq is a Postgres bigint: a larger number is no event, and a 500 if it reached SQL.
const MAX_SEQ = 9_223_372_036_854_775_807n;
const SEQ = z
  .string()
  .regex(/^[1-9][0-9]{0,18}$/, { message: 'must be a positive whole number', abort: true })
  .refine((v) => BigInt(v) <= MAX_SEQ, `must be at most ${MAX_SEQ}`);

const eventsQuery = z.strictObject({
  limit: limitSchema,
  cursor: z.string().optional(),
  entityType: line(50).optional(),
  entityId: line(200).optional(),
  actor: line(200).optional(),
  incidentId: z.uuid().optional(),
  action: line(100).optional(),
  from: isoTimestamp().optional(),
  to: isoTimestamp().optional(),
});

const HASH = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters');

const verifyQuery = z
  .strictObject({
    anchorSeq: SEQ.optional(),
    anchorHash: HASH.optional(),
    checkpointSeq: SEQ.optional(),
    checkpointHash: HASH.optional(),
  })
  .refine((q) => (q.anchorSeq === undefined) === (q.anchorHash === undefined), {
    path: ['anchorHash'],
    message: 'anchorSeq and anchorHash go together',
  })
  .refine((q) => (q.checkpointSeq === undefined) === (q.checkpointHash === undefined), {
    path: ['checkpointHash'],
    message: 'checkpointSeq and checkpointHash go together',
  });

const CSV_COLUMNS = [
  'seq',
  'id',
  'occurredAt',
  'actor',
  'action',
  'entityType',
  'entityId',
  'incidentId',
  'change',
  'prevHash',
  'hash',
  'shard',
  'prevSeq',
] as const;

const CSV_PAGE = 5000;

export interface VerifyView {
  valid: boolean;
  events: number;
  headSeq: string;
  headHash: string;
  verifiedAt: string;
  firstBroken?: NonNullable<VerifyResult['firstBroken']>;
  anchor?: VerifyResult['anchor'];
  checkpointAnchor?: VerifyResult['checkpointAnchor'];
  checkpoint?: VerifyResult['checkpoint'];
}

@ApiTags('audit')
@Controller('v1/audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  @Get('events')
  @Roles('auditor')
  @ApiAuth(['auditor'])
  @ApiHeader({
    name: 'Accept',
    required: false,
    description: 'text/csv streams every matching event as CSV',
  })
  @ApiZodQuery(eventsQuery, {
    entityType: 'api-key, tenant, incident, notice, delivery, system',
    actor: 'The API key name, or system',
    action: 'e.g. notice.approved, delivery.sent, deadline.missed',
    from: 'occurredAt at or after',
    to: 'occurredAt before',
  })
  @ApiZodResponse(200, auditEventPageSchema, { description: 'A page of events, oldest first' })
  @ApiCsvResponse('With Accept: text/csv, every matching event (no paging)')
  @ApiOperation({
    summary:
      'The append-only, hash-chained log of every change, oldest first; filtered; as CSV with Accept: text/csv',
  })
  async events(
    @Query() raw: unknown,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Page<StoredEvent> | undefined> {
    const q = parseQuery(eventsQuery, raw);
    const filter: Omit<AuditQuery, 'limit'> = {
      entityType: q.entityType,
      entityId: q.entityId,
      actor: q.actor,
      incidentId: q.incidentId,
      action: q.action,
      ...timeWindow(q),
    };
    return respondWithList(accept, res, {
      json: async () => {
        const after = decodeCursor(q.cursor, z.object({ s: SEQ }));
        const rows = await this.audit.find({ ...filter, afterSeq: after?.s, limit: q.limit + 1 });
        return toPage(
          rows,
          q.limit,
          (e) => e,
          (e) => ({ s: e.seq }),
        );
      },
      csv: () => ({
        filename: 'audit-events.csv',
        columns: CSV_COLUMNS,
        pages: keysetPages(
          (afterSeq: string | undefined, limit) => this.audit.find({ ...filter, afterSeq, limit }),
          CSV_PAGE,
          (e) => e.seq,
        ),
        toRecord: (e) => CSV_COLUMNS.map((c) => (c === 'change' ? JSON.stringify(e.change) : e[c])),
      }),
    });
  }

  @Get('verify')
  @Roles('auditor')
  @ApiAuth(['auditor'])
  @ApiZodQuery(verifyQuery, {
    anchorSeq: 'With anchorHash: a head you recorded earlier; the chain must still hold it',
    anchorHash: 'The hash recorded with anchorSeq',
  })
  @ApiZodResponse(200, auditVerifySchema, { description: 'Whether the chain is intact' })
  @ApiOperation({
    summary:
      "Recomputes every shard's hash chain and checks the latest checkpoint: {valid, events, headHash, firstBroken?, checkpoint?} names the first edited, missing or cut-off event",
  })
  async verify(@Query() raw: unknown): Promise<VerifyView> {
    const q = parseQuery(verifyQuery, raw);
    const result = await this.audit.verify({
      anchor: q.anchorSeq && q.anchorHash ? { seq: q.anchorSeq, hash: q.anchorHash } : undefined,
      checkpointAnchor:
        q.checkpointSeq && q.checkpointHash
          ? { seq: q.checkpointSeq, hash: q.checkpointHash }
          : undefined,
    });
    return {
      valid: result.valid,
      events: result.events,
      headSeq: result.headSeq,
      headHash: result.headHash,
      verifiedAt: this.clock.now().toISOString(),
      ...(result.firstBroken ? { firstBroken: result.firstBroken } : {}),
      ...(result.anchor ? { anchor: result.anchor } : {}),
      ...(result.checkpointAnchor ? { checkpointAnchor: result.checkpointAnchor } : {}),
      ...(result.checkpoint ? { checkpoint: result.checkpoint } : {}),
    };
  }
}
