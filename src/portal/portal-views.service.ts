import { Injectable } from '@nestjs/common';
import { resolve } from 'node:path';
import { BROWSER_TEMPLATES, PageTemplates } from '../common/web/views.js';
import type { TenantSessionEntity } from './entities/tenant-session.entity.js';

export interface PortalPageOptions {
  title: string;
  session?: TenantSessionEntity;
  tenantName?: string;
  section?: 'notices' | 'verify' | 'contacts' | 'webhooks';
}

/** The portal's pages, in the console's stack (Handlebars, htmx, no inline script or style). */
@Injectable()
export class PortalViews {
  private readonly templates = new PageTemplates(resolve(BROWSER_TEMPLATES, 'portal'), {});

  /** A fragment (an htmx swap). */
  fragment(name: string, data: Record<string, unknown>, session?: TenantSessionEntity): string {
    return this.templates.render(name, { ...data, csrf: session?.csrfToken ?? data.csrf });
  }

  /** A whole page in the layout. */
  page(name: string, data: Record<string, unknown>, options: PortalPageOptions): string {
    const session = options.session;
    return this.templates.layout(this.fragment(name, data, session), {
      title: options.title,
      session: session && {
        displayName: session.displayName,
        tenantId: session.tenantId,
        tenantName: options.tenantName ?? session.tenantId,
        csrf: session.csrfToken,
      },
      section: options.section,
    });
  }
}
