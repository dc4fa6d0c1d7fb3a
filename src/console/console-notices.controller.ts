import {
  Controller,
  Get,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { Public } from '../common/auth/principal.js';
import { Clock } from '../common/clock/clock.js';
import { parseQuery } from '../common/pagination.js';
import { parseOrThrow, parseUuid } from '../common/validation.js';
import { DeliveriesService } from '../delivery/deliveries.service.js';
import { IncidentsService } from '../incidents/incidents.service.js';
import { patchNoticeSchema, rejectNoticeSchema } from '../notices/dto/notice.dto.js';
import type { NoticeEntity } from '../notices/entities/notice.entity.js';
import { NoticeRenderingService } from '../notices/notice-rendering.service.js';
import { NoticesService } from '../notices/notices.service.js';
import { TENANT_ID } from '../tenants/dto/tenant.dto.js';
import { type ConsoleRequest, ConsoleRoles, Staff } from './console-auth.js';
import { ConsoleErrorFilter } from './console-error.filter.js';
import { ConsoleGuard } from './console.guard.js';
import { ConsoleViews } from './console-views.service.js';
import { fieldDiff } from './domain/field-diff.js';
import type { StaffSessionEntity } from './entities/staff-session.entity.js';

const PICKER_TENANTS = 200;

const previewQuery = z.strictObject({
  tenantId: TENANT_ID,
  channel: z.enum(['email', 'dashboard']).default('email'),
  locale: z.string().max(35).optional(),
});

const editForm = z.strictObject({
  _csrf: z.string().optional(),
  expectedRevision: z.coerce.number().int().min(1),
  title: z.string(),
  description: z.string(),
  dataImpactDescription: z.string(),
  actionsTaken: z.string(),
  suggestedActions: z.string(),
});

const rejectForm = rejectNoticeSchema.extend({ _csrf: z.string().optional() });

const lines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');

const isHtmx = (req: ConsoleRequest) => req.headers['hx-request'] === 'true';

/** A notice: editor, preview as a tenant receives it, revisions, review, and the fan-out's progress. */
@ApiExcludeController()
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleErrorFilter)
@Controller('console/notices')
export class ConsoleNoticesController {
  constructor(
    private readonly views: ConsoleViews,
    private readonly notices: NoticesService,
    private readonly rendering: NoticeRenderingService,
    private readonly incidents: IncidentsService,
    private readonly deliveries: DeliveriesService,
    private readonly clock: Clock,
  ) {}

  @Get(':id')
  @ConsoleRoles('comms', 'auditor')
  async page(
    @Param('id') id: string,
    @Staff() staff: StaffSessionEntity,
    @Res() res: Response,
  ): Promise<void> {
    const notice = await this.notices.get(parseUuid(id));
    const [view, incident, revisions, tenants] = await Promise.all([
      this.notices.view(notice),
      this.incidents.view(notice.incidentId),
      this.notices.revisions(notice.id),
      this.incidents.tenants(notice.incidentId, {}, PICKER_TENANTS),
    ]);
    const history = revisions
      .map((r, i) => ({
        ...r,
        changes: fieldDiff(i === 0 ? null : revisions[i - 1].content, r.content),
      }))
      .reverse();
    const mine = staff.actor === notice.createdBy || staff.actor === notice.editedBy;
    const canReview = staff.roles.includes('comms') || staff.roles.includes('admin');
    res.type('text/html').send(
      this.views.page(
        'notice',
        {
          notice: view,
          incident,
          editor: this.editorData(notice),
          canEdit: canReview && notice.status === 'draft',
          canReview: canReview && notice.status === 'draft',
          fourEyes: mine
            ? `You ${staff.actor === notice.editedBy ? 'last edited' : 'wrote'} this notice, so someone else must approve it (four eyes).`
            : null,
          history,
          tenants: tenants.map((t) => t.tenantId),
          firstTenant: tenants[0]?.tenantId ?? null,
          locales: this.rendering.renderer.locales,
          showProgress: notice.status === 'approved' || notice.status === 'sent',
        },
        { title: `Notice ${view.kind} · ${incident.externalId}`, staff, section: 'board' },
      ),
    );
  }

  private editorData(notice: NoticeEntity) {
    const c = notice.content;
    return {
      id: notice.id,
      revision: notice.revision,
      title: c.title,
      description: c.description,
      dataImpactDescription: c.dataImpact.description,
      actionsTaken: c.actionsTaken.join('\n'),
      suggestedActions: c.suggestedActions.join('\n'),
      editable: notice.status === 'draft',
    };
  }

  @Post(':id/edit')
  @ConsoleRoles('comms')
  async edit(
    @Param('id') id: string,
    @Req() req: ConsoleRequest,
    @Staff() staff: StaffSessionEntity,
    @Res() res: Response,
  ): Promise<void> {
    const noticeId = parseUuid(id);
    const form = parseOrThrow(editForm, req.body ?? {});
    const current = await this.notices.get(noticeId);
    // The same validation as PATCH /v1/notices/{id}: the console is one more client of it.
    const patch = parseOrThrow(patchNoticeSchema, {
      expectedRevision: form.expectedRevision,
      title: form.title,
      description: form.description,
      dataImpact: { ...current.content.dataImpact, description: form.dataImpactDescription },
      actionsTaken: lines(form.actionsTaken),
      suggestedActions: lines(form.suggestedActions),
    });
    const notice = await this.notices.edit(noticeId, patch, staff.actor);
    if (!isHtmx(req)) {
      res.redirect(303, `/console/notices/${noticeId}`);
      return;
    }
    res.setHeader('HX-Trigger', 'notice-saved');
    res
      .type('text/html')
      .send(
        this.views.fragment(
          'notice-editor',
          { editor: this.editorData(notice), saved: true },
          staff,
        ),
      );
  }

  @Get(':id/preview')
  @ConsoleRoles('comms', 'auditor')
  async previewFrame(
    @Param('id') id: string,
    @Query() raw: unknown,
    @Staff() staff: StaffSessionEntity,
    @Res() res: Response,
  ): Promise<void> {
    const noticeId = parseUuid(id);
    const q = parseQuery(previewQuery, raw);
    const notice = await this.notices.get(noticeId);
    const preview = await this.rendering.preview(
      notice,
      q.tenantId,
      q.channel,
      q.locale || undefined,
    );
    const src = `/console/notices/${noticeId}/preview.html?${new URLSearchParams({
      tenantId: q.tenantId,
      channel: q.channel,
      ...(q.locale ? { locale: q.locale } : {}),
      revision: String(preview.revision),
    }).toString()}`;
    res.type('text/html').send(this.views.fragment('notice-preview', { preview, src }, staff));
  }

  /** The rendered notice alone, for a sandboxed iframe: no script may run in it, whatever it contains. */
  @Get(':id/preview.html')
  @ConsoleRoles('comms', 'auditor')
  async previewDocument(
    @Param('id') id: string,
    @Query() raw: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    const { revision: _r, ...rest } = raw;
    const q = parseQuery(previewQuery, rest);
    const notice = await this.notices.get(parseUuid(id));
    const preview = await this.rendering.preview(
      notice,
      q.tenantId,
      q.channel,
      q.locale || undefined,
    );
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; form-action 'none'; base-uri 'none'; sandbox",
    );
    const html =
      q.channel === 'email'
        ? preview.html
        : `<!doctype html><html lang="${preview.locale.replace(/[^A-Za-z0-9-]/g, '')}"><head><meta charset="utf-8"><title>Preview</title></head><body>${preview.html}</body></html>`;
    res.type('text/html').send(html);
  }

  @Post(':id/approve')
  @ConsoleRoles('comms')
  async approve(
    @Param('id') id: string,
    @Req() req: ConsoleRequest,
    @Staff() staff: StaffSessionEntity,
    @Res() res: Response,
  ): Promise<void> {
    const noticeId = parseUuid(id);
    await this.notices.approve(noticeId, staff.actor);
    this.afterReview(req, res, noticeId);
  }

  @Post(':id/reject')
  @ConsoleRoles('comms')
  async reject(
    @Param('id') id: string,
    @Req() req: ConsoleRequest,
    @Staff() staff: StaffSessionEntity,
    @Res() res: Response,
  ): Promise<void> {
    const noticeId = parseUuid(id);
    const form = parseOrThrow(rejectForm, req.body ?? {});
    await this.notices.reject(noticeId, form.reason, staff.actor);
    this.afterReview(req, res, noticeId);
  }

  private afterReview(req: ConsoleRequest, res: Response, noticeId: string): void {
    // htmx follows HX-Redirect with a full page load: the page then shows the new status.
    if (isHtmx(req)) res.setHeader('HX-Redirect', `/console/notices/${noticeId}`).status(204).end();
    else res.redirect(303, `/console/notices/${noticeId}`);
  }

  @Get(':id/progress')
  @ConsoleRoles('comms', 'auditor')
  async progress(
    @Param('id') id: string,
    @Staff() staff: StaffSessionEntity,
    @Res() res: Response,
  ): Promise<void> {
    const notice = await this.notices.get(parseUuid(id));
    const [byStatus, backlog] = await Promise.all([
      this.deliveries.noticeCountsByStatus(notice.id),
      this.deliveries.backlog(this.clock.now(), notice.incidentId),
    ]);
    const counts = byStatus;
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const done = notice.status === 'sent';
    const ended = total - counts.queued;
    const percent = done ? 100 : total === 0 ? 0 : Math.min(99, Math.floor((100 * ended) / total));
    // The backlog is the incident's (GET /v1/deliveries/backlog): tenants no notice reached yet.
    const urgent = backlog[0]?.unsentTenantsDueWithinHour ?? 0;
    // 286 tells htmx to stop polling: the fan-out has ended.
    res
      .status(done ? 286 : 200)
      .type('text/html')
      .send(
        this.views.fragment(
          'notice-progress',
          {
            notice,
            counts,
            total,
            percent,
            done,
            urgent,
          },
          staff,
        ),
      );
  }
}
