import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { Roles } from '../common/auth/principal.js';
import { Clock } from '../common/clock/clock.js';
import { CsvListing, respondWithList } from '../common/list-responder.js';
import { ApiAuth, ApiCsvResponse, ApiZodQuery, ApiZodResponse } from '../common/openapi.js';
import {
  decodeCursor,
  limitSchema,
  Page,
  parseQuery,
  timeWindow,
  toPage,
} from '../common/pagination.js';
import { isoTimestamp } from '../common/validation.js';
import { TENANT_ID } from '../tenants/dto/tenant.dto.js';
import { DeliveriesService, DeliveryFilter, DeliveryRow } from './deliveries.service.js';

import { DELIVERY_CHANNELS, DELIVERY_STATUSES } from './domain/delivery-status.js';
import { deliveryBacklogSchema, deliveryPageSchema } from './dto/delivery-response.dto.js';

const query = z.strictObject({
  limit: limitSchema,
  cursor: z.string().optional(),
  incidentId: z.uuid().optional(),
  tenantId: TENANT_ID.optional(),
  noticeId: z.uuid().optional(),
  channel: z.enum(DELIVERY_CHANNELS).optional(),
  status: z.enum(DELIVERY_STATUSES).optional(),
  from: isoTimestamp().optional(),
  to: isoTimestamp().optional(),
});

export interface DeliveryView {
  id: string;
  noticeId: string;
  incidentId: string;
  tenantId: string;
  channel: string;
  recipient: string;
  status: string;
  attempts: number;
  queuedAt: string;
  sentAt: string | null;
  failedAt: string | null;
  nextAttemptAt: string | null;
  lastError: string | null;
  messageId: string | null;
  contentSha256: string | null;
  noticeDueAt: string;
  metDeadline: boolean | null;
  bouncedAt: string | null;
  /** Why it did not arrive: the failure, or the bounce's diagnostic; null otherwise. */
  error: string | null;
}

export function toDeliveryView(d: DeliveryRow): DeliveryView {
  return {
    id: d.id,
    noticeId: d.noticeId,
    incidentId: d.incidentId,
    tenantId: d.tenantId,
    channel: d.channel,
    recipient: d.recipient,
    status: d.status,
    attempts: d.attempts,
    queuedAt: d.queuedAt.toISOString(),
    sentAt: d.sentAt?.toISOString() ?? null,
    failedAt: d.failedAt?.toISOString() ?? null,
    nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
    lastError: d.lastError,
    messageId: d.messageId,
    contentSha256: d.contentSha256,
    noticeDueAt: d.noticeDueAt.toISOString(),
    metDeadline: d.metDeadline,
    bouncedAt: d.bouncedAt?.toISOString() ?? null,
    error: d.status === 'failed' || d.status === 'bounced' ? d.lastError : null,
  };
}

export const CSV_COLUMNS: Array<keyof DeliveryView> = [
  'id',
  'noticeId',
  'incidentId',
  'tenantId',
  'channel',
  'recipient',
  'status',
  'attempts',
  'queuedAt',
  'sentAt',
  'failedAt',
  'messageId',
  'contentSha256',
  'noticeDueAt',
  'metDeadline',
  'lastError',
  'bouncedAt',
  'error',
];

const cursorShape = z.object({ q: isoTimestamp(), i: z.uuid() });

const backlogQuery = z.strictObject({ incidentId: z.uuid().optional() });

export interface IncidentBacklogView {
  incidentId: string;
  /** Affected tenants no delivery has reached yet whose notice deadline is at most an hour away (overdue included). */
  unsentTenantsDueWithinHour: number;
}

const CSV_PAGE = 5000;

/** Deliveries as CSV, the same columns from the API and the console. */
export function deliveriesCsv(pages: AsyncIterable<DeliveryRow[]>): CsvListing<DeliveryRow> {
  return {
    filename: 'deliveries.csv',
    columns: CSV_COLUMNS,
    pages,
    toRecord: (row) => {
      const v = toDeliveryView(row);
      return CSV_COLUMNS.map((c) => v[c]);
    },
  };
}

@ApiTags('deliveries')
@Controller('v1/deliveries')
export class DeliveriesController {
  constructor(
    private readonly deliveries: DeliveriesService,
    private readonly clock: Clock,
  ) {}

  @Get('backlog')
  @Roles('auditor')
  @ApiAuth(['auditor'])
  @ApiOperation({
    summary:
      'Per incident still delivering: tenants not yet reached whose notice deadline is within the next hour',
  })
  @ApiZodQuery(backlogQuery)
  @ApiZodResponse(200, deliveryBacklogSchema, {
    description: 'One item per incident still delivering',
  })
  async backlog(@Query() raw: unknown): Promise<{ items: IncidentBacklogView[] }> {
    const q = parseQuery(backlogQuery, raw);
    const rows = await this.deliveries.backlog(this.clock.now(), q.incidentId);
    return {
      items: rows.map((r) => ({
        incidentId: r.incidentId,
        unsentTenantsDueWithinHour: r.unsentTenantsDueWithinHour,
      })),
    };
  }

  @Get()
  @Roles('auditor')
  @ApiAuth(['auditor'])
  @ApiHeader({
    name: 'Accept',
    required: false,
    description: 'text/csv streams every matching row as CSV',
  })
  @ApiOperation({ summary: 'Delivery records, filtered; as CSV with Accept: text/csv' })
  @ApiZodQuery(query, {
    from: 'queuedAt at or after (ISO-8601)',
    to: 'queuedAt before (ISO-8601)',
  })
  @ApiZodResponse(200, deliveryPageSchema, { description: 'A page of deliveries, oldest first' })
  @ApiCsvResponse('With Accept: text/csv, every matching delivery (no paging)')
  async list(
    @Query() raw: unknown,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Page<DeliveryView> | undefined> {
    const q = parseQuery(query, raw);
    const filter: DeliveryFilter = {
      incidentId: q.incidentId,
      tenantId: q.tenantId,
      noticeId: q.noticeId,
      channel: q.channel,
      status: q.status,
      ...timeWindow(q),
    };
    return respondWithList(accept, res, {
      json: async () => {
        const after = decodeCursor(q.cursor, cursorShape);
        const rows = await this.deliveries.find(
          filter,
          q.limit + 1,
          after ? { queuedAt: after.q, id: after.i } : undefined,
        );
        return toPage(rows, q.limit, toDeliveryView, (d) => ({ q: d.queuedAtKey, i: d.id }));
      },
      csv: () => deliveriesCsv(this.deliveries.pages(filter, CSV_PAGE)),
    });
  }
}
