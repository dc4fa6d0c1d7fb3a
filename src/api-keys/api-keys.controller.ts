import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentPrincipal, type Principal, Roles } from '../common/auth/principal.js';
import {
  ApiAuth,
  ApiProblem,
  ApiRawResponse,
  ApiZodBody,
  ApiZodParam,
  ApiZodQuery,
  ApiZodResponse,
} from '../common/openapi.js';
import { decodeCursor, limitSchema, Page, parseQuery } from '../common/pagination.js';
import { parseUuid, ZodPipe } from '../common/validation.js';
import { createdKeyShape } from '../database/keyset.js';
import { ApiKeysService, ApiKeyView } from './api-keys.service.js';
import { apiKeyPageSchema, createdApiKeySchema } from './dto/api-key-response.dto.js';
import { type CreateApiKeyDto, createApiKeySchema } from './dto/create-api-key.dto.js';

const listQuery = z.strictObject({ limit: limitSchema, cursor: z.string().optional() });

@ApiTags('api-keys')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @Roles('admin')
  @ApiAuth(['admin'])
  @ApiOperation({ summary: 'Create an API key; the secret `key` is shown only in this response' })
  @ApiZodBody(createApiKeySchema, {
    example: { name: 'acme-portal', roles: ['tenant'], tenantId: 'acme-gmbh' },
  })
  @ApiZodResponse(201, createdApiKeySchema, { description: 'The key, with its secret (only here)' })
  create(
    @Body(new ZodPipe(createApiKeySchema)) body: CreateApiKeyDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ApiKeyView & { key: string }> {
    return this.keys.create(body, principal.name);
  }

  @Get()
  @Roles('admin')
  @ApiAuth(['admin'])
  @ApiOperation({ summary: 'API keys, oldest first, revoked ones included (never their secrets)' })
  @ApiZodQuery(listQuery)
  @ApiZodResponse(200, apiKeyPageSchema, { description: 'A page of keys' })
  list(@Query() query: unknown): Promise<Page<ApiKeyView>> {
    const q = parseQuery(listQuery, query);
    return this.keys.list(q.limit, decodeCursor(q.cursor, createdKeyShape));
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles('admin')
  @ApiAuth(['admin'])
  @ApiOperation({ summary: 'Revoke an API key; it stops working at once' })
  @ApiZodParam('id', z.uuid(), 'The key id')
  @ApiRawResponse(204, { description: 'Revoked' })
  @ApiProblem(404, 'No such key')
  async revoke(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.keys.revoke(parseUuid(id), principal.name);
  }
}
