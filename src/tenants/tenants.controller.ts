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
import { ApiAuth, ApiZodBody } from '../common/openapi.js';
import { parseOrThrow, ZodPipe } from '../common/validation.js';
import {
  bulkTenantsSchema,
  contactsBodySchema,
  TENANT_ID,
  tenantBodySchema,
  TenantView,
} from './dto/tenant.dto.js';
import { TenantsService } from './tenants.service.js';
import type { TenantContact } from './entities/tenant.entity.js';

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
  @ApiZodBody(tenantBodySchema)
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
  @ApiZodBody(bulkTenantsSchema)
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
  @ApiZodBody(contactsBodySchema)
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
