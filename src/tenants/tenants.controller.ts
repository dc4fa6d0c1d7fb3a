import { Body, Controller, Get, HttpCode, Param, Post, Put, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  canActForTenant,
  CurrentPrincipal,
  type Principal,
  Roles,
} from '../common/auth/principal.js';
import { forbidden } from '../common/errors.js';
import { ApiAuth, ApiProblem, ApiZodBody, ApiZodParam, ApiZodResponse } from '../common/openapi.js';
import { parseOrThrow, ZodPipe } from '../common/validation.js';
import { bulkResultSchema, tenantSchema } from './dto/tenant-response.dto.js';
import {
  bulkTenantsDocSchema,
  bulkTenantsSchema,
  contactsBodySchema,
  TENANT_ID,
  tenantBodySchema,
  TenantView,
} from './dto/tenant.dto.js';
import { TenantsService } from './tenants.service.js';
import type { TenantContact } from './entities/tenant.entity.js';

const TENANT_EXAMPLE = {
  name: 'ACME GmbH',
  locale: 'de-DE',
  timeZone: 'Europe/Berlin',
  countries: ['DE', 'AT'],
  dataRegions: ['eu-central'],
  services: ['mail', 'files'],
  industries: ['healthcare'],
  flags: { essentialEntity: true },
  contractualNoticeHours: 48,
  contacts: [{ name: 'Security team', email: 'security@acme.example', role: 'security' }],
};

export function parseTenantId(id: string): string {
  return parseOrThrow(TENANT_ID, id, ['id']);
}

@ApiTags('tenants')
@Controller('v1/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Put(':id')
  @Roles('admin')
  @ApiAuth(['admin'])
  @ApiOperation({ summary: 'Create or replace a tenant (201 when created, 200 when updated)' })
  @ApiZodParam('id', TENANT_ID, 'The tenant id: 1-64 characters of A-Z a-z 0-9 . _ -')
  @ApiZodBody(tenantBodySchema, { example: TENANT_EXAMPLE })
  @ApiZodResponse(201, tenantSchema, { description: 'Created: the stored tenant' })
  @ApiZodResponse(200, tenantSchema, { description: 'Replaced: the stored tenant' })
  async put(
    @Param('id') id: string,
    @Body(new ZodPipe(tenantBodySchema)) body: ReturnType<typeof tenantBodySchema.parse>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TenantView> {
    const { created, tenant } = await this.tenants.put(parseTenantId(id), body, principal.name);
    res.status(created ? 201 : 200);
    return tenant;
  }

  @Post('bulk')
  @HttpCode(200)
  @Roles('admin')
  @ApiAuth(['admin'])
  @ApiOperation({ summary: 'Create or replace up to 10,000 tenants, all or nothing' })
  @ApiZodBody(bulkTenantsDocSchema, {
    description: 'One invalid tenant rejects the call; `errors` name it by index (tenants[3].id)',
    example: { tenants: [{ id: 'acme-gmbh', ...TENANT_EXAMPLE }] },
  })
  @ApiZodResponse(200, bulkResultSchema, { description: 'How many were created and updated' })
  bulk(
    @Body(new ZodPipe(bulkTenantsSchema)) body: { tenants: unknown[] },
    @CurrentPrincipal() principal: Principal,
  ): Promise<{ created: number; updated: number }> {
    return this.tenants.bulk(body.tenants, principal.name);
  }

  @Get(':id')
  @Roles('admin', 'auditor', 'tenant')
  @ApiAuth(['auditor', 'tenant'])
  @ApiOperation({ summary: 'A tenant (admin, auditor, or its own tenant key)' })
  @ApiZodParam('id', TENANT_ID, 'The tenant id')
  @ApiZodResponse(200, tenantSchema, { description: 'The tenant' })
  @ApiProblem(404, 'No such tenant')
  get(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<TenantView> {
    const tenantId = parseTenantId(id);
    if (!canActForTenant(principal, tenantId, 'auditor'))
      throw forbidden('this key may not read that tenant');
    return this.tenants.get(tenantId);
  }

  @Put(':id/contacts')
  @Roles('admin', 'tenant')
  @ApiAuth(['tenant'])
  @ApiOperation({ summary: "Replace a tenant's contacts (admin, or its own tenant key)" })
  @ApiZodParam('id', TENANT_ID, 'The tenant id')
  @ApiZodBody(contactsBodySchema, { example: { contacts: TENANT_EXAMPLE.contacts } })
  @ApiZodResponse(200, tenantSchema, { description: 'The tenant with its new contacts' })
  @ApiProblem(404, 'No such tenant')
  putContacts(
    @Param('id') id: string,
    @Body(new ZodPipe(contactsBodySchema)) body: { contacts: TenantContact[] },
    @CurrentPrincipal() principal: Principal,
  ): Promise<TenantView> {
    const tenantId = parseTenantId(id);
    if (!canActForTenant(principal, tenantId))
      throw forbidden('this key may not change that tenant');
    return this.tenants.replaceContacts(tenantId, body.contacts, principal.name);
  }
}
