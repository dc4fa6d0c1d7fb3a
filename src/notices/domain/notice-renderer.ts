import { IntlFormatters } from './intl-formatters.js';
import { LocaleResolver } from './locale-resolver.js';
import { MessageCatalog, Translator } from './message-catalog.js';
import { trialRenderInputs } from './notice-render-fixtures.js';
import {
  NoticeContent,
  NoticeRenderInput,
  RenderedEmail,
  RenderedPost,
} from './notice-render.types.js';
import { NoticeView, ResolvedContent, buildNoticeView, resolveContent } from './notice-view.js';
import { strictView } from './strict-view.js';
import {
  CheckedTemplates,
  CompiledTemplate,
  DEFAULT_LOCALE,
  RenderData,
  TEMPLATE_FILES,
  TEMPLATE_NAMES,
  TemplateName,
  errorMessage,
} from './template-check.js';
import { TemplateCheckError } from './template-check-error.js';
import { cleanLine, truncateText } from './text-sanitize.js';

export * from './notice-render.types.js';
export { TemplateCheckError } from './template-check-error.js';
export { DEFAULT_LOCALE } from './template-check.js';

/** Longest subject or post title, in user-perceived characters (the ellipsis included). */
export const SUBJECT_MAX_LENGTH = 200;

interface Prepared {
  view: NoticeView;
  data: RenderData;
  locale: string;
}

function finishLine(rendered: string): string {
  return truncateText(cleanLine(rendered), SUBJECT_MAX_LENGTH);
}

function finishText(rendered: string): string {
  return `${rendered.replace(/\n{3,}/g, '\n\n').trim()}\n`;
}

/**
 * Renders security-incident notices (email and dashboard post) in the reader's language.
 * Templates and catalogs are checked and compiled once (template-check.ts, at boot); rendering does
 * no I/O and no compilation, and the same input always gives the same output. Inputs are
 * never modified; a notice's `content` object is treated as immutable (its cleaned text
 * is memoized per object), so pass a new object when the content changes.
 */
export class NoticeRenderer {
  readonly locales: string[];
  private readonly resolver: LocaleResolver;
  private readonly translators: Map<string, Translator>;
  private readonly formatters = new IntlFormatters();
  // Cleaned, translated free text per content object and locale chain: a notice goes to
  // many tenants with the same content. Content objects are treated as immutable.
  private readonly contentCache = new WeakMap<NoticeContent, Map<string, ResolvedContent>>();

  private constructor(
    private readonly templates: Record<TemplateName, CompiledTemplate>,
    catalogs: Map<string, MessageCatalog>,
  ) {
    this.locales = [...catalogs.keys()].sort();
    this.resolver = new LocaleResolver(this.locales, DEFAULT_LOCALE);
    this.translators = new Map(
      [...catalogs].map(([locale, messages]) => [locale, new Translator(locale, messages)]),
    );
  }

  /**
   * The renderer for templates that passed `checkTemplates`; throws a TemplateCheckError if
   * a trial render of every template in every locale fails.
   */
  static fromChecked(checked: CheckedTemplates): NoticeRenderer {
    const renderer = new NoticeRenderer(checked.templates, checked.catalogs);
    const trialProblems = renderer.trialRender();
    if (trialProblems.length > 0) throw new TemplateCheckError(trialProblems);
    return renderer;
  }

  /** The catalog locale a BCP 47 tag resolves to (`ja-JP` → `ja`, `pt-PT` → `pt-BR`, unknown → `en`). */
  resolveLocale(tag: string): string {
    return this.resolver.resolve(tag);
  }

  /** The email for one contact: `input.locale` (the contact's) wins over the tenant's locale. */
  renderEmail(input: NoticeRenderInput): RenderedEmail {
    const { view, data, locale } = this.prepare(input);
    return {
      subject: finishLine(this.templates.emailSubject(view, { data })),
      html: this.templates.emailHtml(view, { data }),
      text: finishText(this.templates.emailText(view, { data })),
      locale,
    };
  }

  /** The post on the tenant's dashboard feed. */
  renderPost(input: NoticeRenderInput): RenderedPost {
    const { view, data, locale } = this.prepare(input);
    return {
      title: finishLine(this.templates.postTitle(view, { data })),
      html: this.templates.postHtml(view, { data }),
      text: finishText(this.templates.postText(view, { data })),
      locale,
    };
  }

  private prepare(input: NoticeRenderInput): Prepared {
    const choice = this.resolver.choose([input.locale, input.tenant.locale]);
    const translator = this.translators.get(choice.catalog);
    if (translator === undefined) throw new Error(`unreachable: no catalog ${choice.catalog}`);
    const content = this.content(input.notice.content, choice.chain);
    const view = buildNoticeView(input, choice, translator, this.formatters, content);
    return { view, data: { i18n: translator, kind: input.notice.kind }, locale: choice.catalog };
  }

  private content(content: NoticeContent, chain: string[]): ResolvedContent {
    let byChain = this.contentCache.get(content);
    if (byChain === undefined) {
      byChain = new Map();
      this.contentCache.set(content, byChain);
    }
    const key = chain.join(',');
    let resolved = byChain.get(key);
    if (resolved === undefined) {
      resolved = resolveContent(content, chain);
      byChain.set(key, resolved);
    }
    return resolved;
  }

  private trialRender(): string[] {
    const problems: string[] = [];
    for (const locale of this.locales) {
      for (const { name: fixture, input } of trialRenderInputs(locale)) {
        let prepared: Prepared;
        try {
          prepared = this.prepare(input);
        } catch (error) {
          problems.push(`trial render (${locale}, ${fixture} notice): ${errorMessage(error)}`);
          continue;
        }
        if (prepared.locale !== locale)
          problems.push(
            `locales/${locale}.json: tenant locale "${locale}" resolved to "${prepared.locale}"`,
          );
        const view = strictView(prepared.view);
        for (const name of TEMPLATE_NAMES) {
          try {
            const output = this.templates[name](view, { data: prepared.data });
            if (output.includes('[object Object]'))
              problems.push(
                `${TEMPLATE_FILES[name].file}: prints an object (${locale}, ${fixture} notice)`,
              );
            if (output.trim() === '')
              problems.push(
                `${TEMPLATE_FILES[name].file}: renders empty (${locale}, ${fixture} notice)`,
              );
          } catch (error) {
            problems.push(
              `${TEMPLATE_FILES[name].file}: trial render failed (${locale}, ${fixture} notice): ${errorMessage(error)}`,
            );
          }
        }
      }
    }
    return problems;
  }
}
