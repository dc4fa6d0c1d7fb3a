import { Injectable, Logger } from '@nestjs/common';
import { notFound } from '../common/errors.js';
import { AppConfig } from '../config/app-config.js';
import type { IncidentEntity } from '../incidents/entities/incident.entity.js';
import { IncidentsService } from '../incidents/incidents.service.js';
import type { Obligation } from '../regulations/domain/evaluate.js';
import { TenantsService } from '../tenants/tenants.service.js';
import {
  NoticeRenderer,
  NoticeRenderInput,
  RenderedEmail,
  RenderedPost,
} from './domain/notice-renderer.js';
import type { NoticeContent } from './dto/notice.dto.js';
import type { NoticeEntity } from './entities/notice.entity.js';
import { NoticesService } from './notices.service.js';
import { loadNoticeRenderer } from './template-files.js';

export interface RenderedPreview {
  subject: string;
  html: string;
  text: string;
  locale: string;
  channel: 'email' | 'dashboard';
  revision: number;
  contentSha256: string;
}

/** What stays the same for every tenant of one notice: loaded once per batch. */
export interface NoticeRenderContext {
  notice: Pick<NoticeEntity, 'id' | 'kind'>;
  revision: number;
  content: NoticeContent;
  contentSha256: string;
  incident: Pick<
    IncidentEntity,
    'id' | 'externalId' | 'severity' | 'phase' | 'awareAt' | 'occurredAt'
  >;
}

export interface TenantRenderFacts {
  tenant: { id: string; name: string; locale: string; timeZone: string };
  noticeDueAt: string | null;
  obligations: Obligation[];
}

/** Templates compiled once at start (a broken template stops the boot); renders per tenant and channel. */
@Injectable()
export class NoticeRenderingService {
  private readonly logger = new Logger(NoticeRenderingService.name);
  readonly renderer: NoticeRenderer;
  private readonly provider: { name: string; contact: string; portalUrl: string };

  constructor(
    config: AppConfig,
    private readonly notices: NoticesService,
    private readonly incidents: IncidentsService,
    private readonly tenants: TenantsService,
  ) {
    this.renderer = loadNoticeRenderer(config.get('TEMPLATES_DIR'));
    this.provider = {
      name: config.get('PROVIDER_NAME'),
      contact: config.get('PROVIDER_CONTACT'),
      portalUrl: `${config.publicUrl}/portal`,
    };
  }

  input(ctx: NoticeRenderContext, facts: TenantRenderFacts, locale?: string): NoticeRenderInput {
    return {
      notice: {
        id: ctx.notice.id,
        kind: ctx.notice.kind,
        revision: ctx.revision,
        content: ctx.content,
      },
      incident: {
        id: ctx.incident.id,
        externalId: ctx.incident.externalId,
        severity: ctx.incident.severity,
        phase: ctx.incident.phase,
        awareAt: ctx.incident.awareAt.toISOString(),
        occurredAt: ctx.incident.occurredAt?.toISOString() ?? null,
      },
      tenant: facts.tenant,
      noticeDueAt: facts.noticeDueAt,
      obligations: facts.obligations,
      provider: this.provider,
      ...(locale ? { locale } : {}),
    };
  }

  email(ctx: NoticeRenderContext, facts: TenantRenderFacts, locale?: string): RenderedEmail {
    return this.renderer.renderEmail(this.input(ctx, facts, locale));
  }

  post(ctx: NoticeRenderContext, facts: TenantRenderFacts): RenderedPost {
    return this.renderer.renderPost(this.input(ctx, facts));
  }

  /** The context of what will be sent: the approved revision once approved, else the current draft. */
  async context(notice: NoticeEntity): Promise<NoticeRenderContext> {
    const incident = await this.incidents.get(notice.incidentId);
    if (notice.approvedRevision !== null) {
      const approved = await this.notices.approvedContent(notice);
      return {
        notice,
        revision: notice.approvedRevision,
        content: approved.content,
        contentSha256: approved.sha256,
        incident,
      };
    }
    return {
      notice,
      revision: notice.revision,
      content: notice.content,
      contentSha256: notice.contentSha256,
      incident,
    };
  }

  async preview(
    notice: NoticeEntity,
    tenantId: string,
    channel: 'email' | 'dashboard',
    locale?: string,
  ): Promise<RenderedPreview> {
    const [ctx, tenant, rows] = await Promise.all([
      this.context(notice),
      this.tenants.get(tenantId),
      this.incidents.tenants(notice.incidentId, { tenantId }, 1),
    ]);
    const row = rows[0];
    if (!row)
      throw notFound(
        `Tenant ${tenantId} among the affected tenants of incident`,
        notice.incidentId,
      );
    const facts: TenantRenderFacts = {
      tenant: {
        id: tenant.id,
        name: tenant.name,
        locale: tenant.locale,
        timeZone: tenant.timeZone,
      },
      noticeDueAt: row.noticeDueAt,
      obligations: row.obligations,
    };
    const base = { channel, revision: ctx.revision, contentSha256: ctx.contentSha256 };
    if (channel === 'email') {
      // An email goes out in its contact's locale: `locale` previews one (the tenant's by default).
      const r = this.email(ctx, facts, locale);
      return { subject: r.subject, html: r.html, text: r.text, locale: r.locale, ...base };
    }
    const p = this.post(ctx, facts);
    return { subject: p.title, html: p.html, text: p.text, locale: p.locale, ...base };
  }
}
