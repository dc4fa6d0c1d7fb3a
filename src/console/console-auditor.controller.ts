import { Controller, Get, Query, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { AuditService } from '../audit/audit.service.js';
import { Public } from '../common/auth/principal.js';
import { Clock } from '../common/clock/clock.js';
import { streamListing } from '../common/list-responder.js';
import { parseQuery, timeWindow } from '../common/pagination.js';
import { isoTimestamp } from '../common/validation.js';
import { ComplianceService } from '../compliance/compliance.service.js';
import { deliveriesCsv, toDeliveryView } from '../delivery/deliveries.controller.js';
import { DeliveriesService, DeliveryFilter } from '../delivery/deliveries.service.js';
import { DELIVERY_CHANNELS, DELIVERY_STATUSES } from '../delivery/domain/delivery-status.js';
import { TENANT_ID } from '../tenants/dto/tenant.dto.js';
import { ConsoleRoles, Staff } from './console-auth.js';
import { ConsoleErrorFilter } from './console-error.filter.js';
import { ConsoleGuard } from './console.guard.js';
import { ConsoleViews } from './console-views.service.js';
import type { StaffSessionEntity } from './entities/staff-session.entity.js';

const SHOWN = 50;
const CSV_PAGE = 5000;

// The filters of GET /v1/deliveries and GET /v1/compliance; an empty form field is no filter.
const deliveriesQuery = z.strictObject({
  incidentId: z.uuid().optional(),
  tenantId: TENANT_ID.optional(),
  channel: z.enum(DELIVERY_CHANNELS).optional(),
  status: z.enum(DELIVERY_STATUSES).optional(),
  from: isoTimestamp().optional(),
  to: isoTimestamp().optional(),
});
const reportQuery = z.strictObject({
  incidentId: z.uuid().optional(),
  from: isoTimestamp().optional(),
  to: isoTimestamp().optional(),
});
const blankToUndefined = (q: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(q).filter(([, v]) => v !== ''));

function toFilter(q: z.output<typeof deliveriesQuery>): DeliveryFilter {
  return { ...q, ...timeWindow(q) };
}

/** The auditor's desk: deliveries (and their CSV), compliance reports, the audit chain check. */
@ApiExcludeController()
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleErrorFilter)
@Controller('console/auditor')
export class ConsoleAuditorController {
  constructor(
    private readonly views: ConsoleViews,
    private readonly deliveries: DeliveriesService,
    private readonly compliance: ComplianceService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  @Get()
  @ConsoleRoles('auditor')
  async desk(
    @Query() raw: Record<string, unknown>,
    @Staff() staff: StaffSessionEntity,
    @Res() res: Response,
  ): Promise<void> {
    const q = parseQuery(deliveriesQuery, blankToUndefined(raw));
    const rows = await this.deliveries.find(toFilter(q), SHOWN + 1);
    const csv = new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => !!e[1]));
    res.type('text/html').send(
      this.views.page(
        'auditor',
        {
          filter: q,
          deliveries: rows.slice(0, SHOWN).map(toDeliveryView),
          more: rows.length > SHOWN,
          csvHref: `/console/auditor/deliveries.csv?${csv.toString()}`,
          channels: DELIVERY_CHANNELS,
          statuses: DELIVERY_STATUSES,
        },
        { title: 'Auditor', staff, section: 'auditor' },
      ),
    );
  }

  @Get('deliveries.csv')
  @ConsoleRoles('auditor')
  async deliveriesCsv(@Query() raw: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const filter = toFilter(parseQuery(deliveriesQuery, blankToUndefined(raw)));
    await streamListing(res, deliveriesCsv(this.deliveries.pages(filter, CSV_PAGE)));
  }

  @Get('compliance')
  @ConsoleRoles('auditor')
  async report(
    @Query() raw: Record<string, unknown>,
    @Staff() staff: StaffSessionEntity,
    @Res() res: Response,
  ): Promise<void> {
    const q = parseQuery(reportQuery, blankToUndefined(raw));
    const data = q.incidentId
      ? { incidentReport: await this.compliance.incidentReport(q.incidentId, { limit: SHOWN }) }
      : {
          portfolio: await this.compliance.portfolio(timeWindow(q), SHOWN, undefined),
        };
    res.type('text/html').send(this.views.fragment('auditor-compliance', data, staff));
  }

  @Get('verify')
  @ConsoleRoles('auditor')
  async verify(@Staff() staff: StaffSessionEntity, @Res() res: Response): Promise<void> {
    const result = await this.audit.verify();
    res
      .type('text/html')
      .send(
        this.views.fragment(
          'auditor-verify',
          { result, verifiedAt: this.clock.now().toISOString() },
          staff,
        ),
      );
  }
}
