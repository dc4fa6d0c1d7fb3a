import Handlebars from 'handlebars';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { APP_ROOT } from '../../config/paths.js';

/** The browser surfaces' templates: templates/<surface>/{layout.hbs,pages/*.hbs,static/}. */
export const BROWSER_TEMPLATES = resolve(APP_ROOT, 'templates');

function compileDir(hbs: typeof Handlebars, dir: string): Map<string, Handlebars.TemplateDelegate> {
  const out = new Map<string, Handlebars.TemplateDelegate>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.hbs')))
    out.set(
      basename(file, '.hbs'),
      hbs.compile(readFileSync(resolve(dir, file), 'utf8'), { strict: false }),
    );
  return out;
}

/**
 * One surface's pages: Handlebars, compiled once; every value escaped unless a template says
 * otherwise. Every page is a partial too: a page includes the fragments htmx later swaps on
 * their own.
 */
/** A share (0..1) as a page shows it ("97 %"), or null when there is none. */
export function percent(share: number | null): string | null {
  return share === null ? null : `${Math.round(share * 100)} %`;
}

export class PageTemplates {
  readonly hbs = Handlebars.create();
  private readonly pages: Map<string, Handlebars.TemplateDelegate>;
  private readonly layoutTemplate: Handlebars.TemplateDelegate;

  constructor(dir: string, helpers: Record<string, Handlebars.HelperDelegate>) {
    this.hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    for (const [name, helper] of Object.entries(helpers)) this.hbs.registerHelper(name, helper);
    this.pages = compileDir(this.hbs, resolve(dir, 'pages'));
    for (const [name, page] of this.pages) this.hbs.registerPartial(name, page);
    this.layoutTemplate = this.hbs.compile(readFileSync(resolve(dir, 'layout.hbs'), 'utf8'));
  }

  render(name: string, data: Record<string, unknown>): string {
    const t = this.pages.get(name);
    if (!t) throw new Error(`no template ${name}`);
    return t(data);
  }

  /** `body` (already rendered) inside the layout. */
  layout(body: string, data: Record<string, unknown>): string {
    return this.layoutTemplate({ ...data, body: new this.hbs.SafeString(body) });
  }
}
