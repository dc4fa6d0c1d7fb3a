import { Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { Clock } from '../common/clock/clock.js';
import { APP_ROOT } from '../config/paths.js';
import { readableUtc, timeLeft } from './domain/time-left.js';
import { staffHasRole } from './console-auth.js';
import type { StaffSessionEntity } from './entities/staff-session.entity.js';

export const CONSOLE_TEMPLATES = resolve(APP_ROOT, 'templates/console');

export interface PageOptions {
  title: string;
  staff?: StaffSessionEntity;
  /** Which navigation entry is the current page. */
  section?: 'board' | 'auditor' | 'operator';
}

function compileDir(hbs: typeof Handlebars, dir: string): Map<string, Handlebars.TemplateDelegate> {
  const out = new Map<string, Handlebars.TemplateDelegate>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.hbs')))
    out.set(
      basename(file, '.hbs'),
      hbs.compile(readFileSync(resolve(dir, file), 'utf8'), { strict: false }),
    );
  return out;
}

/** The console's pages: Handlebars, compiled once; every value escaped unless a template says otherwise. */
@Injectable()
export class ConsoleViews {
  private readonly hbs = Handlebars.create();
  private readonly pages: Map<string, Handlebars.TemplateDelegate>;
  private readonly layout: Handlebars.TemplateDelegate;

  constructor(private readonly clock: Clock) {
    this.hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    this.hbs.registerHelper('utc', (at: string | Date | null) => readableUtc(at ?? null));
    this.hbs.registerHelper('timeLeft', (at: string | Date | null) =>
      timeLeft(at ?? null, this.clock.now()),
    );
    // Every page is a partial too: a page includes the fragments htmx later swaps on their own.
    this.pages = compileDir(this.hbs, resolve(CONSOLE_TEMPLATES, 'pages'));
    for (const [name, page] of this.pages) this.hbs.registerPartial(name, page);
    this.layout = this.hbs.compile(readFileSync(resolve(CONSOLE_TEMPLATES, 'layout.hbs'), 'utf8'));
  }

  private template(name: string): Handlebars.TemplateDelegate {
    const t = this.pages.get(name);
    if (!t) throw new Error(`no console template ${name}`);
    return t;
  }

  /** A fragment (an htmx swap). */
  fragment(name: string, data: Record<string, unknown>, staff?: StaffSessionEntity): string {
    // Signed in: the session's token; on the sign-in page, the sign-in form's own.
    return this.template(name)({ ...data, csrf: staff?.csrfToken ?? data.csrf });
  }

  /** A whole page in the layout. */
  page(name: string, data: Record<string, unknown>, options: PageOptions): string {
    const staff = options.staff;
    const body = this.fragment(name, data, staff);
    return this.layout({
      title: options.title,
      body: new this.hbs.SafeString(body),
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
