import { Injectable } from '@nestjs/common';
import { resolve } from 'node:path';
import { Clock } from '../common/clock/clock.js';
import { BROWSER_TEMPLATES, PageTemplates } from '../common/web/views.js';
import { readableUtc, timeLeft } from './domain/time-left.js';
import { staffHasRole } from './console-auth.js';
import type { StaffSessionEntity } from './entities/staff-session.entity.js';

export const CONSOLE_TEMPLATES = resolve(BROWSER_TEMPLATES, 'console');

export interface PageOptions {
  title: string;
  staff?: StaffSessionEntity;
  /** Which navigation entry is the current page. */
  section?: 'board' | 'auditor' | 'operator';
}

/** The console's pages: Handlebars, compiled once; every value escaped unless a template says otherwise. */
@Injectable()
export class ConsoleViews {
  private readonly templates: PageTemplates;

  constructor(private readonly clock: Clock) {
    this.templates = new PageTemplates(CONSOLE_TEMPLATES, {
      utc: (at: string | Date | null) => readableUtc(at ?? null),
      timeLeft: (at: string | Date | null) => timeLeft(at ?? null, this.clock.now()),
    });
  }

  /** A fragment (an htmx swap). */
  fragment(name: string, data: Record<string, unknown>, staff?: StaffSessionEntity): string {
    // Signed in: the session's token; on the sign-in page, the sign-in form's own.
    return this.templates.render(name, { ...data, csrf: staff?.csrfToken ?? data.csrf });
  }

  /** A whole page in the layout. */
  page(name: string, data: Record<string, unknown>, options: PageOptions): string {
    const staff = options.staff;
    const body = this.fragment(name, data, staff);
    return this.templates.layout(body, {
      title: options.title,
      staff: staff && {
        displayName: staff.displayName,
        roles: staff.roles.join(', '),
        csrf: staff.csrfToken,
        reviews: staffHasRole(staff, 'comms', 'auditor'),
        audits: staffHasRole(staff, 'auditor'),
        operates: staffHasRole(staff, 'admin'),
      },
      section: options.section,
    });
  }
}
