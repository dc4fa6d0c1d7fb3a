import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import {
  canActForTenant,
  CurrentPrincipal,
  type Principal,
  Roles,
} from '../common/auth/principal.js';
import { forbidden } from '../common/errors.js';
import {
  ApiAuth,
  ApiProblem,
  ApiRawResponse,
  ApiZodBody,
  ApiZodParam,
  ApiZodResponse,
} from '../common/openapi.js';
import { parseOrThrow, parseUuid, ZodPipe } from '../common/validation.js';
import { TENANT_ID } from '../tenants/dto/tenant.dto.js';
import {
  createdWebhookSchema,
  rotatedSecretSchema,
  webhookPageSchema,
} from './dto/webhook-response.dto.js';
import { type CreateWebhookDto, createWebhookSchema } from './dto/webhook.dto.js';
import { WebhooksService, WebhookView } from './webhooks.service.js';

@ApiTags('webhooks')
@Controller('v1/tenants/:id/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @Roles('admin', 'tenant')
  @ApiAuth(['tenant'])
  @ApiOperation({
    summary:
      "Register a webhook endpoint (admin, or the tenant's own key); the `secret` is shown only here",
  })
  @ApiZodParam('id', TENANT_ID, 'The tenant id')
  @ApiZodBody(createWebhookSchema, {
    description: 'The URL is refused (400) unless https to a public address',
    example: { url: 'https://siem.acme.example/herald', events: ['notice.sent', 'notice.updated'] },
  })
  @ApiZodResponse(201, createdWebhookSchema, { description: 'The endpoint and its secret' })
  @ApiProblem(404, 'No such tenant')
  create(
    @Param('id') id: string,
    @Body(new ZodPipe(createWebhookSchema)) body: CreateWebhookDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<{ id: string; url: string; events: string[]; secret: string }> {
    return this.webhooks.create(this.tenantOf(id, principal), body, principal.name);
  }

  @Get()
  @Roles('admin', 'tenant')
  @ApiAuth(['tenant'])
  @ApiOperation({
    summary: "A tenant's webhook endpoints, without secrets, with their recent calls",
  })
  @ApiZodParam('id', TENANT_ID, 'The tenant id')
  @ApiZodResponse(200, webhookPageSchema, { description: 'Every endpoint (one page)' })
  @ApiProblem(404, 'No such tenant')
  async list(
    @Param('id') id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<{ items: WebhookView[]; nextCursor: null }> {
    return { items: await this.webhooks.list(this.tenantOf(id, principal)), nextCursor: null };
  }

  @Delete(':webhookId')
  @HttpCode(204)
  @Roles('admin', 'tenant')
  @ApiAuth(['tenant'])
  @ApiOperation({ summary: 'Delete a webhook endpoint; its queued calls end failed' })
  @ApiZodParam('id', TENANT_ID, 'The tenant id')
  @ApiZodParam('webhookId', z.uuid(), 'The endpoint id')
  @ApiRawResponse(204, { description: 'Deleted' })
  @ApiProblem(404, 'No such endpoint')
  async remove(
    @Param('id') id: string,
    @Param('webhookId') webhookId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    await this.webhooks.remove(
      this.tenantOf(id, principal),
      parseUuid(webhookId, 'webhookId'),
      principal.name,
    );
  }

  @Post(':webhookId/rotate')
  @HttpCode(200)
  @Roles('admin', 'tenant')
  @ApiAuth(['tenant'])
  @ApiOperation({
    summary:
      'A new signing secret; the previous one keeps signing for WEBHOOK_SECRET_OVERLAP_HOURS',
  })
  @ApiZodParam('id', TENANT_ID, 'The tenant id')
  @ApiZodParam('webhookId', z.uuid(), 'The endpoint id')
  @ApiZodResponse(200, rotatedSecretSchema, { description: 'The new secret (only here)' })
  @ApiProblem(404, 'No such endpoint')
  rotate(
    @Param('id') id: string,
    @Param('webhookId') webhookId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<{ secret: string }> {
    return this.webhooks.rotate(
      this.tenantOf(id, principal),
      parseUuid(webhookId, 'webhookId'),
      principal.name,
    );
  }

  private tenantOf(id: string, principal: Principal): string {
    const tenantId = parseOrThrow(TENANT_ID, id, ['id']);
    if (!canActForTenant(principal, tenantId))
      throw forbidden("this key may not manage that tenant's webhooks");
    return tenantId;
  }
}
