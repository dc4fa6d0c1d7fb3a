import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
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
import { Page, parseQuery } from '../common/pagination.js';
import { noBodySchema, parseUuid, ZodPipe } from '../common/validation.js';
import { TENANT_ID } from '../tenants/dto/tenant.dto.js';
import {
  noticePageSchema,
  noticeSchema,
  previewSchema,
  revisionPageSchema,
} from './dto/notice-response.dto.js';
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
  @ApiZodParam('id', z.uuid(), 'The incident id')
  @ApiZodResponse(200, noticePageSchema, {
    description: 'Every notice of the incident, on one page',
  })
  @ApiProblem(404, 'No such incident')
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
  @ApiZodParam('id', z.uuid(), 'The incident id')
  @ApiZodBody(createNoticeSchema, {
    example: { kind: 'update', actionsTaken: ['Rotated every support credential'] },
  })
  @ApiZodResponse(201, noticeSchema, { description: 'The new draft' })
  @ApiProblem(404, 'No such incident')
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
  @ApiZodParam('id', z.uuid(), 'The notice id')
  @ApiZodResponse(200, noticeSchema, { description: 'The notice' })
  @ApiProblem(404, 'No such notice')
  async get(@Param('id') id: string): Promise<NoticeView> {
    return this.notices.view(await this.notices.get(parseUuid(id)));
  }

  @Get('notices/:id/revisions')
  @Roles('reporter', 'comms', 'auditor')
  @ApiAuth(['reporter', 'comms', 'auditor'])
  @ApiOperation({ summary: 'Every revision of the notice, oldest first' })
  @ApiZodParam('id', z.uuid(), 'The notice id')
  @ApiZodResponse(200, revisionPageSchema, { description: 'Every revision, on one page' })
  @ApiProblem(404, 'No such notice')
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
  @ApiZodParam('id', z.uuid(), 'The notice id')
  @ApiZodQuery(previewQuery, {
    tenantId: 'The tenant to render for (its locale, time zone and obligations)',
    locale: "Render in this locale instead of the tenant's",
  })
  @ApiZodResponse(200, previewSchema, { description: 'Subject, HTML and text, as sent' })
  @ApiProblem(404, 'No such notice, or the tenant is not affected by its incident')
  async preview(@Param('id') id: string, @Query() query: unknown): Promise<RenderedPreview> {
    const q = parseQuery(previewQuery, query);
    const notice = await this.notices.get(parseUuid(id));
    return this.rendering.preview(notice, q.tenantId, q.channel, q.locale);
  }

  @Patch('notices/:id')
  @Roles('comms')
  @ApiAuth(['comms'])
  @ApiOperation({ summary: 'Edit a draft: a new revision (409 unless draft)' })
  @ApiZodParam('id', z.uuid(), 'The notice id')
  @ApiZodBody(patchNoticeSchema, {
    example: { expectedRevision: 1, suggestedActions: ['Reset your support passwords'] },
  })
  @ApiZodResponse(200, noticeSchema, { description: 'The draft with revision + 1' })
  @ApiProblem(404, 'No such notice')
  @ApiProblem(409, 'The notice is no draft, or expectedRevision is not its revision')
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
  @ApiZodParam('id', z.uuid(), 'The notice id')
  @ApiZodBody(noBodySchema, { required: false })
  @ApiZodResponse(200, noticeSchema, {
    description: 'The notice, approved once enough approvals are in',
  })
  @ApiProblem(403, 'The approver created or last edited this notice')
  @ApiProblem(404, 'No such notice')
  @ApiProblem(409, 'The notice is no draft, or this key already approved this revision')
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
  @ApiZodParam('id', z.uuid(), 'The notice id')
  @ApiZodBody(rejectNoticeSchema, { example: { reason: 'The customer impact is understated' } })
  @ApiZodResponse(200, noticeSchema, { description: 'The notice, rejected' })
  @ApiProblem(404, 'No such notice')
  @ApiProblem(409, 'The notice is no draft')
  async reject(
    @Param('id') id: string,
    @Body(new ZodPipe(rejectNoticeSchema)) body: { reason: string },
    @CurrentPrincipal() principal: Principal,
  ): Promise<NoticeView> {
    return this.notices.view(await this.notices.reject(parseUuid(id), body.reason, principal.name));
  }
}
