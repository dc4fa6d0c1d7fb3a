import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal, Roles } from '../common/auth/principal.js';
import { ApiAuth, ApiZodBody } from '../common/openapi.js';
import { parseUuid, ZodPipe } from '../common/validation.js';
import { ApiKeysService, ApiKeyView } from './api-keys.service.js';
import { type CreateApiKeyDto, createApiKeySchema } from './dto/create-api-key.dto.js';

@ApiTags('api-keys')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @Roles('admin')
  @ApiAuth(['admin'])
  @ApiOperation({ summary: 'Create an API key; the secret `key` is shown only in this response' })
  @ApiZodBody(createApiKeySchema)
  create(
    @Body(new ZodPipe(createApiKeySchema)) body: CreateApiKeyDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ApiKeyView & { key: string }> {
    return this.keys.create(body, principal.name);
  }

  @Get()
  @Roles('admin')
  @ApiAuth(['admin'])
  @ApiOperation({ summary: 'List API keys (never their secrets)' })
  async list(): Promise<{ items: ApiKeyView[]; nextCursor: null }> {
    return { items: await this.keys.list(), nextCursor: null };
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles('admin')
  @ApiAuth(['admin'])
  @ApiOperation({ summary: 'Revoke an API key; it stops working at once' })
  async revoke(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.keys.revoke(parseUuid(id), principal.name);
  }
}
