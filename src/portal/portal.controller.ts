import { Controller, Get, Param, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  AcknowledgementsService,
  AcknowledgementView,
} from '../acknowledgements/acknowledgements.service.js';
import { Public } from '../common/auth/principal.js';
import { DomainError } from '../common/errors.js';
import { cookieOptions } from '../common/web/csrf.js';
import { parseUuid, toFieldErrors } from '../common/validation.js';
import { ContactsService } from '../contacts/contacts.service.js';
import { FEED_PAGE, FeedService } from '../delivery/feed.service.js';
import { CONTACT_ROLES, contactsSchema, type TenantView } from '../tenants/dto/tenant.dto.js';
import type { TenantContact } from '../tenants/entities/tenant.entity.js';
import { TenantsService } from '../tenants/tenants.service.js';
import {
  contactRows,
  contactsBody,
  type ContactFormRow,
  localTime,
} from './domain/portal-format.js';
import type { TenantSessionEntity } from './entities/tenant-session.entity.js';
import {
  PORTAL_SIGN_IN_CSRF_COOKIE,
  PortalAnonymous,
  type PortalRequest,
  TenantSession,
} from './portal-auth.js';
import { PortalErrorFilter } from './portal-error.filter.js';
import { PortalViews } from './portal-views.service.js';
import { PortalGuard } from './portal.guard.js';

const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');
const isHtmx = (req: PortalRequest) => req.headers['hx-request'] === 'true';

/**
 * The tenant's own pages. Every one takes the tenant from the session, never from the request:
 * a session sees its own tenant and nothing else, whatever ids a request names.
 */
@ApiExcludeController()
@Public()
@UseGuards(PortalGuard)
@UseFilters(PortalErrorFilter)
@Controller('portal')
export class PortalController {
  constructor(
    private readonly views: PortalViews,
    private readonly tenants: TenantsService,
    private readonly feeds: FeedService,
    private readonly acknowledgements: AcknowledgementsService,
    private readonly contacts: ContactsService,
  ) {}

  @Get('notices')
  async notices(
    @TenantSession() session: TenantSessionEntity,
    @Res() res: Response,
  ): Promise<void> {
    const tenant = await this.tenants.get(session.tenantId);
    const posts = (await this.feeds.posts(tenant.id)).slice(0, FEED_PAGE);
    const acks = await this.acknowledgements.ofNotices(
      tenant.id,
      posts.map((p) => p.noticeId),
    );
    const at = (d: Date | string) => localTime(d, tenant.locale, tenant.timeZone);
    const items = posts.map((p) => ({
      noticeId: p.noticeId,
      title: p.title,
      kind: p.kind,
      externalId: p.externalId,
      locale: p.locale,
      text: p.contentText,
      publishedAt: at(p.publishedAt),
      ack: this.ackView(acks.get(p.noticeId), at),
    }));
    res.type('text/html').send(
      this.views.page(
        'notices',
        { items, tenant },
        {
          title: 'Notices',
          session,
          tenantName: tenant.name,
          section: 'notices',
        },
      ),
    );
  }

  @Post('notices/:id/acknowledge')
  async acknowledge(
    @Param('id') id: string,
    @TenantSession() session: TenantSessionEntity,
    @Req() req: PortalRequest,
    @Res() res: Response,
  ): Promise<void> {
    const noticeId = parseUuid(id);
    const tenant = await this.tenants.get(session.tenantId);
    const ack = await this.acknowledgements.acknowledge(noticeId, session.tenantId, {
      actor: session.actor,
      displayName: session.displayName,
    });
    if (!isHtmx(req)) {
      res.redirect(303, '/portal/notices');
      return;
    }
    const at = (d: Date | string) => localTime(d, tenant.locale, tenant.timeZone);
    res
      .type('text/html')
      .send(this.views.fragment('ack', { noticeId, ack: this.ackView(ack, at) }, session));
  }

  @Get('verify')
  async verify(
    @TenantSession() session: TenantSessionEntity,
    @Req() req: PortalRequest,
    @Res() res: Response,
  ): Promise<void> {
    const tenant = await this.tenants.get(session.tenantId);
    const reference = text(req.query.reference).slice(0, 100);
    let result: Record<string, unknown> | null = null;
    if (reference) {
      const uuid = z.uuid().safeParse(reference.toLowerCase());
      const sent = uuid.success ? await this.feeds.sentTo(uuid.data, tenant.id) : null;
      const post = sent ? await this.feeds.postOf(tenant.id, uuid.data as string) : null;
      result = sent
        ? {
            genuine: true,
            title: post?.title ?? null,
            publishedAt: post ? localTime(post.publishedAt, tenant.locale, tenant.timeZone) : null,
          }
        : { genuine: false };
    }
    res.type('text/html').send(
      this.views.page(
        'verify',
        { reference, result, tenant },
        {
          title: 'Check a notice',
          session,
          tenantName: tenant.name,
          section: 'verify',
        },
      ),
    );
  }

  @Get('contacts')
  async contactsPage(
    @TenantSession() session: TenantSessionEntity,
    @Req() req: PortalRequest,
    @Res() res: Response,
  ): Promise<void> {
    const tenant = await this.tenants.get(session.tenantId);
    const rows = tenant.contacts.map((c, index) => ({
      index,
      name: c.name,
      email: c.email,
      role: c.role,
      locale: c.locale ?? '',
    }));
    await this.renderContacts(res, session, tenant, rows, {
      saved: req.query.saved === '1',
    });
  }

  @Post('contacts')
  async saveContacts(
    @TenantSession() session: TenantSessionEntity,
    @Req() req: PortalRequest,
    @Res() res: Response,
  ): Promise<void> {
    const tenant = await this.tenants.get(session.tenantId);
    const rows = contactRows(req.body ?? {});
    const parsed = contactsSchema.safeParse(contactsBody(rows));
    if (!parsed.success) {
      // Shown per field, beside it; nothing is stored.
      const errors = new Map<string, string>();
      for (const e of toFieldErrors(parsed.error)) {
        const m = /^\[(\d+)\]\.(\w+)$/.exec(e.path);
        const key = m ? `${rows[Number(m[1])]?.index}.${m[2]}` : 'form';
        if (!errors.has(key)) errors.set(key, e.message);
      }
      res.status(400);
      await this.renderContacts(res, session, tenant, rows, { errors, invalid: true });
      return;
    }
    await this.tenants.replaceContacts(tenant.id, parsed.data as TenantContact[], session.actor);
    // New or changed addresses are asked to verify now, not at the next sweep.
    await this.contacts.sync(tenant.id);
    res.redirect(303, '/portal/contacts?saved=1');
  }

  @Get('contacts/verify')
  @PortalAnonymous()
  verifyContactPage(@Req() req: PortalRequest, @Res() res: Response): void {
    // A button, not a change on GET: mail scanners that open links verify nothing.
    const csrf = randomBytes(24).toString('base64url');
    res.cookie(PORTAL_SIGN_IN_CSRF_COOKIE, csrf, cookieOptions(3_600_000));
    res
      .type('text/html')
      .send(
        this.views.page(
          'contact-verify',
          { tenant: text(req.query.tenant), token: text(req.query.token), csrf },
          { title: 'Confirm your address' },
        ),
      );
  }

  @Post('contacts/verify')
  @PortalAnonymous()
  async verifyContact(@Req() req: PortalRequest, @Res() res: Response): Promise<void> {
    const verified = await this.contacts.verify(text(req.body?.tenant), text(req.body?.token));
    if (!verified)
      throw new DomainError(
        'not-found',
        'This confirmation link is not valid: it was used already, has expired, or was replaced by a newer one.',
      );
    res
      .status(200)
      .type('text/html')
      .send(
        this.views.page(
          'contact-verified',
          { email: verified.email },
          { title: 'Address confirmed' },
        ),
      );
  }

  private ackView(ack: AcknowledgementView | undefined, at: (d: string) => string) {
    return ack ? { at: at(ack.acknowledgedAt), by: ack.acknowledgedBy } : null;
  }

  private async renderContacts(
    res: Response,
    session: TenantSessionEntity,
    tenant: TenantView,
    rows: ContactFormRow[],
    extra: { errors?: Map<string, string>; saved?: boolean; invalid?: boolean },
  ): Promise<void> {
    const statuses = new Map(
      (await this.contacts.statusOf(tenant.id, tenant.contacts)).map((s) => [s.email, s]),
    );
    const formRows = [
      ...rows,
      {
        index: Math.max(-1, ...rows.map((r) => r.index)) + 1,
        name: '',
        email: '',
        role: 'security',
        locale: '',
      },
    ].map((r) => {
      const status = statuses.get(r.email.toLowerCase());
      return {
        ...r,
        roles: CONTACT_ROLES.map((role) => ({ value: role, selected: role === r.role })),
        errors: {
          name: extra.errors?.get(`${r.index}.name`),
          email: extra.errors?.get(`${r.index}.email`),
          role: extra.errors?.get(`${r.index}.role`),
          locale: extra.errors?.get(`${r.index}.locale`),
        },
        status: status && {
          verified: status.state === 'verified',
          due: status.state === 'reconfirm-due',
          verifiedAt:
            status.verifiedAt && localTime(status.verifiedAt, tenant.locale, tenant.timeZone),
        },
      };
    });
    res.type('text/html').send(
      this.views.page(
        'contacts',
        {
          rows: formRows,
          saved: extra.saved,
          invalid: extra.invalid,
          formError: extra.errors?.get('form'),
        },
        { title: 'Contacts', session, tenantName: tenant.name, section: 'contacts' },
      ),
    );
  }
}
