import { Body, Controller, Get, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { CurrentPrincipal, type Principal, Roles } from '../common/auth/principal.js';
import { ApiAuth, ApiZodBody } from '../common/openapi.js';
import {
  decodeCursor,
  encodeCursor,
  limitSchema,
  Page,
  parseQuery,
  toPage,
} from '../common/pagination.js';
import { isoTimestamp, line, parseUuid, ZodPipe } from '../common/validation.js';
import { IncidentBodyPipe } from './dto/incident-body.pipe.js';
import { createdKeyOf, createdKeyShape } from '../database/keyset.js';
import { TENANT_ID } from '../tenants/dto/tenant.dto.js';
import { INCIDENT_STATUSES } from './domain/incident-status.js';
import {
  type CreateIncidentDto,
  createIncidentSchema,
  type PatchIncidentDto,
  patchIncidentSchema,
} from './dto/incident.dto.js';
import {
  IncidentListView,
  IncidentsService,
  IncidentTenantView,
  IncidentView,
} from './incidents.service.js';

const tenantsQuery = z.strictObject({
  limit: limitSchema,
  cursor: z.string().optional(),
  regulationId: line(200).optional(),
  dueBefore: isoTimestamp().optional(),
});

const pageQuery = z.strictObject({ limit: limitSchema, cursor: z.string().optional() });
const tenantCursor = z.object({ t: TENANT_ID });

const listQuery = z.strictObject({
  limit: limitSchema,
  cursor: z.string().optional(),
  status: z.enum(INCIDENT_STATUSES).optional(),
});

@ApiTags('incidents')
@Controller('v1/incidents')
export class IncidentsController {
  constructor(private readonly incidents: IncidentsService) {}

  @Post()
  @Roles('reporter')
  @ApiAuth(['reporter'])
  @ApiOperation({
    summary:
      'Notify affected tenants: 202 when accepted, 200 when the same externalId and body were already accepted, 409 for a different body',
  })
  @ApiZodBody(createIncidentSchema)
  async create(
    @Body(IncidentBodyPipe) body: CreateIncidentDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ id: string; externalId: string; status: string }> {
    const { incident, created } = await this.incidents.create(body, principal.name);
    res.status(created ? 202 : 200);
    res.setHeader('Location', `/v1/incidents/${incident.id}`);
    return { id: incident.id, externalId: incident.externalId, status: incident.status };
  }

  @Get()
  @Roles('reporter', 'comms', 'auditor')
  @ApiAuth(['reporter', 'comms', 'auditor'])
  @ApiOperation({
    summary:
      'Incidents, newest first; each scope carries tenantIdCount instead of its tenant ids (see scope/tenant-ids)',
  })
  async list(@Query() query: unknown): Promise<Page<IncidentListView>> {
    const q = parseQuery(listQuery, query);
    const after = decodeCursor(q.cursor, createdKeyShape);
    const rows = await this.incidents.list(q.limit + 1, after, q.status);
    return toPage(rows, q.limit, (row) => this.incidents.toListView(row), createdKeyOf);
  }

  @Get(':id/scope/tenant-ids')
  @Roles('reporter', 'comms', 'auditor')
  @ApiAuth(['reporter', 'comms', 'auditor'])
  @ApiOperation({
    summary: "The tenant ids the incident's scope lists, in byte order, paged: items {tenantId}",
  })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  async scopeTenantIds(
    @Param('id') id: string,
    @Query() query: unknown,
  ): Promise<Page<{ tenantId: string }>> {
    const incidentId = parseUuid(id);
    const q = parseQuery(pageQuery, query);
    const after = decodeCursor(q.cursor, tenantCursor);
    const ids = await this.incidents.scopeTenantIds(incidentId, after?.t, q.limit + 1);
    return toPage(
      ids,
      q.limit,
      (tenantId) => ({ tenantId }),
      (tenantId) => ({ t: tenantId }),
    );
  }

  @Get(':id')
  @Roles('reporter', 'comms', 'auditor')
  @ApiAuth(['reporter', 'comms', 'auditor'])
  @ApiOperation({
    summary:
      'The incident with its status, affected tenant count, earliest deadline and delivery counts',
  })
  get(@Param('id') id: string): Promise<IncidentView> {
    return this.incidents.view(parseUuid(id));
  }

  @Patch(':id')
  @Roles('reporter')
  @ApiAuth(['reporter'])
  @ApiOperation({
    summary: 'A new phase, more actionsTaken, or a wider scope (narrowing is a 409)',
  })
  @ApiZodBody(patchIncidentSchema)
  async patch(
    @Param('id') id: string,
    @Body(new ZodPipe(patchIncidentSchema)) body: PatchIncidentDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<IncidentView> {
    const incident = await this.incidents.patch(parseUuid(id), body, principal.name);
    return this.incidents.view(incident.id);
  }

  @Get(':id/tenants')
  @Roles('reporter', 'comms', 'auditor')
  @ApiAuth(['reporter', 'comms', 'auditor'])
  @ApiOperation({ summary: 'Affected tenants with their deadlines and obligations' })
  @ApiQuery({ name: 'regulationId', required: false })
  @ApiQuery({ name: 'dueBefore', required: false })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  async tenants(
    @Param('id') id: string,
    @Query() query: unknown,
  ): Promise<Page<IncidentTenantView>> {
    const incidentId = parseUuid(id);
    const q = parseQuery(tenantsQuery, query);
    await this.incidents.get(incidentId);
    const after = decodeCursor(q.cursor, tenantCursor);
    const rows = await this.incidents.tenants(
      incidentId,
      {
        regulationId: q.regulationId,
        dueBefore: q.dueBefore ? new Date(q.dueBefore) : undefined,
        afterTenantId: after?.t,
      },
      q.limit + 1,
    );
    const more = rows.length > q.limit;
    const items = more ? rows.slice(0, q.limit) : rows;
    return {
      items,
      nextCursor: more ? encodeCursor({ t: items[items.length - 1].tenantId }) : null,
    };
  }
}
