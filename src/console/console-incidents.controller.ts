import { Controller, Get, Param, Query, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { Public } from '../common/auth/principal.js';
import { Clock } from '../common/clock/clock.js';
import { decodeCursor, encodeCursor, parseQuery } from '../common/pagination.js';
import { isoTimestamp, line, parseUuid } from '../common/validation.js';
import { DeliveriesService } from '../delivery/deliveries.service.js';
import { IncidentsService } from '../incidents/incidents.service.js';
import { NoticesService } from '../notices/notices.service.js';
import { TENANT_ID } from '../tenants/dto/tenant.dto.js';
import { ConsoleRoles, Staff } from './console-auth.js';
import { ConsoleErrorFilter } from './console-error.filter.js';
import { ConsoleGuard } from './console.guard.js';
import { ConsoleViews } from './console-views.service.js';
import { deadlineTimeline } from './domain/deadline-timeline.js';
import type { StaffSessionEntity } from './entities/staff-session.entity.js';

const BOARD_SIZE = 100;
const TENANT_PAGE = 50;
const TIMELINE_TENANTS = 5000;

// The API's filters for affected tenants (GET /v1/incidents/{id}/tenants); empty form fields are unset.
const tenantsQuery = z.strictObject({
  cursor: z.string().optional(),
  regulationId: line(200).optional(),
  dueBefore: isoTimestamp().optional(),
});
const blankToUndefined = (q: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(q).filter(([, v]) => v !== ''));

/** The incidents board and an incident's page. */
@ApiExcludeController()
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleErrorFilter)
@Controller('console/incidents')
export class ConsoleIncidentsController {
  constructor(
    private readonly views: ConsoleViews,
    private readonly incidents: IncidentsService,
    private readonly notices: NoticesService,
    private readonly deliveries: DeliveriesService,
    private readonly clock: Clock,
  ) {}

  @Get()
  @ConsoleRoles('comms', 'auditor')
  async board(@Staff() staff: StaffSessionEntity, @Res() res: Response): Promise<void> {
    const rows = (await this.incidents.list(BOARD_SIZE)).filter((i) => i.status !== 'delivered');
    const [views, unmet] = await Promise.all([
      Promise.all(rows.map((i) => this.incidents.view(i.id))),
      this.deliveries.earliestUnsentDueAt(rows.map((i) => i.id)),
    ]);
    const now = this.clock.nowMs();
    // Open incidents, the one whose earliest still-unmet deadline comes first on top: a tenant
    // already told no longer holds its incident up. None unmet: last, oldest first.
    const incidents = views
      .map((v) => {
        const dueAt = unmet.get(v.id) ?? null;
        return {
          ...v,
          earliestUnmetDueAt: dueAt?.toISOString() ?? null,
          overdue: dueAt !== null && dueAt.getTime() <= now,
        };
      })
      .sort(
        (a, b) =>
          (a.earliestUnmetDueAt ? Date.parse(a.earliestUnmetDueAt) : Infinity) -
            (b.earliestUnmetDueAt ? Date.parse(b.earliestUnmetDueAt) : Infinity) ||
          a.createdAt.localeCompare(b.createdAt),
      );
    res
      .type('text/html')
      .send(
        this.views.page(
          'board',
          { incidents },
          { title: 'Open incidents', staff, section: 'board' },
        ),
      );
  }

  @Get(':id')
  @ConsoleRoles('comms', 'auditor')
  async incident(
    @Param('id') id: string,
    @Query() raw: Record<string, unknown>,
    @Staff() staff: StaffSessionEntity,
    @Res() res: Response,
  ): Promise<void> {
    const incidentId = parseUuid(id);
    const q = parseQuery(tenantsQuery, blankToUndefined(raw));
    const incident = await this.incidents.view(incidentId);
    const after = decodeCursor(q.cursor, z.object({ t: TENANT_ID }));
    const filter = {
      regulationId: q.regulationId,
      dueBefore: q.dueBefore ? new Date(q.dueBefore) : undefined,
    };
    const [rows, sample, notices] = await Promise.all([
      this.incidents.tenants(incidentId, { ...filter, afterTenantId: after?.t }, TENANT_PAGE + 1),
      this.incidents.tenants(incidentId, filter, TIMELINE_TENANTS),
      this.notices.listForIncident(incidentId),
    ]);
    const more = rows.length > TENANT_PAGE;
    const tenants = more ? rows.slice(0, TENANT_PAGE) : rows;
    const next = more
      ? new URLSearchParams({
          ...(q.regulationId ? { regulationId: q.regulationId } : {}),
          ...(q.dueBefore ? { dueBefore: q.dueBefore } : {}),
          cursor: encodeCursor({ t: tenants[tenants.length - 1].tenantId }),
        }).toString()
      : null;
    const timeline = deadlineTimeline(
      sample.map((t) => t.noticeDueAt),
      this.clock.now(),
    );
    res.type('text/html').send(
      this.views.page(
        'incident',
        {
          incident,
          tenants,
          next,
          filter: q,
          timeline,
          timelineCapped: sample.length === TIMELINE_TENANTS,
          notices: await Promise.all(notices.map((n) => this.notices.view(n))),
        },
        { title: `Incident ${incident.externalId}`, staff, section: 'board' },
      ),
    );
  }
}
