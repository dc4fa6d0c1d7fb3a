import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentPrincipal, type Principal, Roles } from '../common/auth/principal.js';
import { ApiAuth, ApiZodBody } from '../common/openapi.js';
import { Page, parseQuery } from '../common/pagination.js';
import { noBodySchema, parseUuid, ZodPipe } from '../common/validation.js';
import { TENANT_ID } from '../tenants/dto/tenant.dto.js';
import {
  type CreateNoticeDto,
  createNoticeSchema,
  type PatchNoticeDto,
  patchNoticeSchema,
  rejectNoticeSchema,
} from './dto/notice.dto.js';
import { NoticeRenderingService, RenderedPreview } from './notice-rendering.service.js';
import { NoticesService, NoticeView, RevisionView } from './notices.service.js';

const previewQuery = z.strictObject({
  tenantId: TENANT_ID,
  channel: z.enum(['email', 'dashboard']).default('email'),
  locale: z.string().max(35).optional(),
});

@ApiTags('notices')
@Controller('v1')
export class NoticesController {
  constructor(
    private readonly notices: NoticesService,
    private readonly rendering: NoticeRenderingService,
  ) {}

  @Get('incidents/:id/notices')
  @Roles('reporter', 'comms', 'auditor')
  @ApiAuth(['reporter', 'comms', 'auditor'])
  @ApiOperation({ summary: "The incident's notices, oldest first" })
  async list(@Param('id') id: string): Promise<Page<NoticeView>> {
    const notices = await this.notices.listForIncident(parseUuid(id));
    return { items: await Promise.all(notices.map((n) => this.notices.view(n))), nextCursor: null };
  }

  @Post('incidents/:id/notices')
  @Roles('reporter', 'comms')
  @ApiAuth(['reporter', 'comms'])
  @ApiOperation({
    summary: 'A new draft (update or resolution); content not given comes from the incident',
  })
  @ApiZodBody(createNoticeSchema)
  async create(
    @Param('id') id: string,
    @Body(new ZodPipe(createNoticeSchema)) body: CreateNoticeDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<NoticeView> {
    return this.notices.view(await this.notices.create(parseUuid(id), body, principal.name));
  }

  @Get('notices/:id')
  @Roles('reporter', 'comms', 'auditor')
  @ApiAuth(['reporter', 'comms', 'auditor'])
  @ApiOperation({ summary: 'A notice with its current revision, editor and approvals' })
  async get(@Param('id') id: string): Promise<NoticeView> {
    return this.notices.view(await this.notices.get(parseUuid(id)));
  }

  @Get('notices/:id/revisions')
  @Roles('reporter', 'comms', 'auditor')
  @ApiAuth(['reporter', 'comms', 'auditor'])
  @ApiOperation({ summary: 'Every revision of the notice, oldest first' })
  async revisions(@Param('id') id: string): Promise<Page<RevisionView>> {
    return { items: await this.notices.revisions(parseUuid(id)), nextCursor: null };
  }

  @Get('notices/:id/preview')
  @Roles('comms', 'auditor')
  @ApiAuth(['comms', 'auditor'])
  @ApiOperation({
    summary:
      'The notice rendered exactly as that tenant will receive it (the approved revision once approved)',
  })
  @ApiQuery({ name: 'tenantId', required: true })
  @ApiQuery({ name: 'channel', required: false, enum: ['email', 'dashboard'] })
  async preview(@Param('id') id: string, @Query() query: unknown): Promise<RenderedPreview> {
    const q = parseQuery(previewQuery, query);
    const notice = await this.notices.get(parseUuid(id));
    return this.rendering.preview(notice, q.tenantId, q.channel);
  }

  @Patch('notices/:id')
  @Roles('comms')
  @ApiAuth(['comms'])
  @ApiOperation({ summary: 'Edit a draft: a new revision (409 unless draft)' })
  @ApiZodBody(patchNoticeSchema)
  async patch(
    @Param('id') id: string,
    @Body(new ZodPipe(patchNoticeSchema)) body: PatchNoticeDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<NoticeView> {
    return this.notices.view(await this.notices.edit(parseUuid(id), body, principal.name));
  }

  @Post('notices/:id/approve')
  @HttpCode(200)
  @Roles('comms')
  @ApiAuth(['comms'])
  @ApiOperation({
    summary:
      'Approve a draft (never by its creator or last editor); the last approval needed starts delivery',
  })
  async approve(
    @Param('id') id: string,
    @Body(new ZodPipe(noBodySchema)) _body: Record<string, never>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<NoticeView> {
    return this.notices.view(await this.notices.approve(parseUuid(id), principal.name));
  }

  @Post('notices/:id/reject')
  @HttpCode(200)
  @Roles('comms')
  @ApiAuth(['comms'])
  @ApiOperation({ summary: 'Reject a draft, with a reason' })
  @ApiZodBody(rejectNoticeSchema)
  async reject(
    @Param('id') id: string,
    @Body(new ZodPipe(rejectNoticeSchema)) body: { reason: string },
    @CurrentPrincipal() principal: Principal,
  ): Promise<NoticeView> {
    return this.notices.view(await this.notices.reject(parseUuid(id), body.reason, principal.name));
  }
}
