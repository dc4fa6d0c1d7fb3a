import { Body, Controller, Get, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { CurrentPrincipal, type Principal, Roles } from '../common/auth/principal.js';
import {
  ApiAuth,
  ApiProblem,
  ApiZodBody,
  ApiZodParam,
  ApiZodQuery,
  ApiZodResponse,
} from '../common/openapi.js';
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
  incidentAcceptedSchema,
  incidentPageSchema,
  scopeTenantIdPageSchema,
  incidentSchema,
  incidentTenantPageSchema,
} from './dto/incident-response.dto.js';
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

const INCIDENT_EXAMPLE = {
  externalId: 'INC-2026-0042',
  title: 'Unauthorised access to mail storage in eu-west',
  severity: 'high',
  phase: 'containment',
  awareAt: '2026-11-28T09:00:00Z',
  occurredAt: '2026-11-27T22:15:00Z',
  description: 'An attacker used a leaked support credential to read mailbox metadata.',
  dataImpact: {
    categories: ['personal'],
    description: 'Sender, recipient and subject lines of emails',
    dataSubjectsEstimate: 12000,
  },
  actionsTaken: ['Revoked the credential', 'Blocked the source addresses'],
  suggestedActions: ['Review recent sign-ins'],
  scope: { services: ['mail'], dataRegions: ['eu-west'] },
};

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
  @ApiZodBody(createIncidentSchema, { example: INCIDENT_EXAMPLE })
  @ApiZodResponse(202, incidentAcceptedSchema, {
    description: 'Accepted: affected tenants are being resolved',
    headers: { Location: { description: 'The incident, /v1/incidents/{id}' } },
  })
  @ApiZodResponse(200, incidentAcceptedSchema, {
    description:
      'This externalId and body were accepted before: the same incident, no one notified twice',
    headers: { Location: { description: 'The incident, /v1/incidents/{id}' } },
  })
  @ApiProblem(409, 'This externalId was accepted before with a different body')
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
  @ApiZodQuery(listQuery)
  @ApiZodResponse(200, incidentPageSchema, { description: 'A page of incidents' })
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
  @ApiZodParam('id', z.uuid(), 'The incident id')
  @ApiZodQuery(pageQuery)
  @ApiZodResponse(200, scopeTenantIdPageSchema, { description: 'A page of tenant ids' })
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
  @ApiZodParam('id', z.uuid(), 'The incident id')
  @ApiZodResponse(200, incidentSchema, { description: 'The incident' })
  @ApiProblem(404, 'No such incident')
  get(@Param('id') id: string): Promise<IncidentView> {
    return this.incidents.view(parseUuid(id));
  }

  @Patch(':id')
  @Roles('reporter')
  @ApiAuth(['reporter'])
  @ApiOperation({
    summary: 'A new phase, more actionsTaken, or a wider scope (narrowing is a 409)',
  })
  @ApiZodParam('id', z.uuid(), 'The incident id')
  @ApiZodBody(patchIncidentSchema, {
    example: { phase: 'containment', actionsTaken: ['Rotated the exposed credentials'] },
  })
  @ApiZodResponse(200, incidentSchema, { description: 'The incident after the change' })
  @ApiProblem(404, 'No such incident')
  @ApiProblem(409, 'The change narrows the scope or moves the phase backwards')
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
  @ApiZodParam('id', z.uuid(), 'The incident id')
  @ApiZodQuery(tenantsQuery, {
    regulationId: 'Only tenants with an obligation under this rule',
    dueBefore: 'Only tenants whose noticeDueAt is before this instant',
  })
  @ApiZodResponse(200, incidentTenantPageSchema, {
    description: 'A page of affected tenants, by tenant id',
  })
  @ApiProblem(404, 'No such incident')
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
