import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { Roles } from '../common/auth/principal.js';
import { respondWithList } from '../common/list-responder.js';
import {
  ApiAuth,
  ApiProblem,
  ApiCsvResponse,
  ApiZodParam,
  ApiZodQuery,
  ApiZodResponse,
} from '../common/openapi.js';
import { decodeCursor, limitSchema, parseQuery, timeWindow } from '../common/pagination.js';
import { isoTimestamp, parseUuid } from '../common/validation.js';
import { TENANT_ID } from '../tenants/dto/tenant.dto.js';
import { incidentComplianceSchema, portfolioSchema } from './dto/compliance-response.dto.js';
import {
  ComplianceService,
  ComplianceTenantView,
  IncidentComplianceReport,
  PortfolioItem,
  PortfolioReport,
} from './compliance.service.js';

const incidentQuery = z.strictObject({
  limit: limitSchema,
  cursor: z.string().optional(),
  tenantId: TENANT_ID.optional(),
});

const portfolioQuery = z
  .strictObject({
    limit: limitSchema,
    cursor: z.string().optional(),
    from: isoTimestamp().optional(),
    to: isoTimestamp().optional(),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), {
    path: ['to'],
    message: 'must be after from',
  });

const TENANT_CSV_COLUMNS = [
  'incidentId',
  'externalId',
  'tenantId',
  'tenantName',
  'noticeDueAt',
  'firstSentAt',
  'firstSentChannel',
  'metDeadline',
  'undeliverable',
  'deadlineState',
  'acknowledgedAt',
  'acknowledgedBy',
  'obligations',
  'approvals',
  'emailDeliveries',
  'emailsSent',
  'emailsFailed',
  'emailsQueued',
  'dashboardStatus',
  'deliveries',
];

// csv-stringify writes false as an empty cell, the same as null: spell booleans out.
const bool = (value: boolean | null): string | null => (value === null ? null : String(value));

/** One CSV row per tenant: lists flattened into "; "-separated cells. */
function tenantCsvRow(
  incident: { id: string; externalId: string },
  t: ComplianceTenantView,
): Array<string | number | boolean | null> {
  const emails = t.deliveries.filter((d) => d.channel === 'email');
  const dashboard = t.deliveries.filter((d) => d.channel === 'dashboard');
  return [
    incident.id,
    incident.externalId,
    t.tenantId,
    t.tenantName,
    t.noticeDueAt,
    t.firstSentAt,
    t.firstSentChannel,
    bool(t.metDeadline),
    bool(t.undeliverable),
    t.deadlineState,
    t.acknowledgedAt,
    t.acknowledgedBy,
    t.obligations
      .map((o) => `${o.regulationId} (${o.notifier}) ${o.dueAt ?? o.dueText}`)
      .join('; '),
    t.notices
      .flatMap((n) =>
        n.approvals.map(
          (a) =>
            `${n.noticeId} ${n.kind} r${a.revision} by ${a.approver} at ${a.approvedAt} sha256:${a.contentSha256}`,
        ),
      )
      .join('; '),
    emails.length,
    emails.filter((d) => d.status === 'sent').length,
    emails.filter((d) => d.status === 'failed').length,
    emails.filter((d) => d.status === 'queued').length,
    dashboard.map((d) => d.status).join('; '),
    t.deliveries
      .map(
        (d) =>
          `${d.channel} ${d.recipient} ${d.status} sent:${d.sentAt ?? '-'}${d.bouncedAt ? ` bounced:${d.bouncedAt}` : ''} id:${d.messageId ?? '-'} sha256:${d.contentSha256 ?? '-'}`,
      )
      .join('; '),
  ];
}

const PORTFOLIO_CSV_COLUMNS: Array<keyof PortfolioItem> = [
  'id',
  'externalId',
  'title',
  'severity',
  'phase',
  'status',
  'awareAt',
  'affected',
  'notifiedInTime',
  'late',
  'notifiedLate',
  'missed',
  'undeliverable',
  'pending',
];

@ApiTags('compliance')
@Controller('v1')
export class ComplianceController {
  constructor(private readonly compliance: ComplianceService) {}

  @Get('incidents/:id/compliance')
  @Roles('auditor')
  @ApiAuth(['auditor'])
  @ApiHeader({
    name: 'Accept',
    required: false,
    description: 'text/csv streams one row per affected tenant',
  })
  @ApiZodParam('id', z.uuid(), 'The incident id')
  @ApiZodQuery(incidentQuery, { tenantId: 'Only this tenant' })
  @ApiZodResponse(200, incidentComplianceSchema, {
    description: 'A page of affected tenants, by tenant id, with the summary on the first page',
  })
  @ApiCsvResponse('With Accept: text/csv, one row per affected tenant (no paging)')
  @ApiProblem(404, 'No such incident')
  @ApiOperation({
    summary:
      'Per affected tenant: noticeDueAt, firstSentAt, metDeadline, undeliverable, obligations, the approvals of the notices it was sent, and its deliveries; summary counts on top',
  })
  async incident(
    @Param('id') id: string,
    @Query() raw: unknown,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<IncidentComplianceReport | undefined> {
    const incidentId = parseUuid(id);
    const q = parseQuery(incidentQuery, raw);
    return respondWithList(accept, res, {
      json: () => {
        const after = decodeCursor(q.cursor, z.object({ t: z.string() }));
        return this.compliance.incidentReport(incidentId, {
          limit: q.limit,
          afterTenantId: after?.t,
          tenantId: q.tenantId,
        });
      },
      csv: async () => {
        const incident = await this.compliance.incident(incidentId);
        return {
          filename: `compliance-${incident.externalId.replace(/[^A-Za-z0-9._-]/g, '_')}.csv`,
          columns: TENANT_CSV_COLUMNS,
          pages: this.compliance.incidentReportPages(incidentId, q.tenantId),
          toRecord: (t: ComplianceTenantView) => tenantCsvRow(incident, t),
        };
      },
    });
  }

  @Get('compliance')
  @Roles('auditor')
  @ApiAuth(['auditor'])
  @ApiHeader({
    name: 'Accept',
    required: false,
    description: 'text/csv streams one row per incident',
  })
  @ApiZodQuery(portfolioQuery, {
    from: 'awareAt at or after (ISO-8601)',
    to: 'awareAt before (ISO-8601)',
  })
  @ApiZodResponse(200, portfolioSchema, {
    description: 'A page of incidents, newest first, and totals',
  })
  @ApiCsvResponse('With Accept: text/csv, one row per incident (no paging)')
  @ApiOperation({
    summary:
      'Across the incidents whose awareAt falls in [from, to): per incident and in total, affected, notified in time, late, undeliverable, pending',
  })
  async portfolio(
    @Query() raw: unknown,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PortfolioReport | undefined> {
    const q = parseQuery(portfolioQuery, raw);
    const window = timeWindow(q);
    return respondWithList(accept, res, {
      json: () => {
        const after = decodeCursor(q.cursor, z.object({ a: isoTimestamp(), i: z.uuid() }));
        return this.compliance.portfolio(
          window,
          q.limit,
          after ? { awareAt: after.a, id: after.i } : undefined,
        );
      },
      csv: () => ({
        filename: 'compliance-portfolio.csv',
        columns: PORTFOLIO_CSV_COLUMNS,
        pages: this.compliance.portfolioPages(window),
        toRecord: (row: PortfolioItem) => PORTFOLIO_CSV_COLUMNS.map((c) => row[c]),
      }),
    });
  }
}
