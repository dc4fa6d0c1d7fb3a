import Handlebars from 'handlebars';
import { randomBytes } from 'node:crypto';
import { contentSha256 } from '../../common/domain/content-hash.js';
import { IntlFormatters } from './intl-formatters.js';
import { LocaleResolver } from './locale-resolver.js';
import { MessageCatalog, Translator } from './message-catalog.js';
import { NameTemplate, isWellFormed, jsonMembersSha256 } from './name-template.js';
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

/** A dashboard post as a body shared by many tenants and this tenant's fill (postBody). */
export interface PostBody {
  body: {
    /** SHA-256 of the canonical JSON of `{ html: htmlParts, text: textParts }`. */
    sha256: string;
    htmlParts: readonly string[];
    textParts: readonly string[];
  };
  htmlFill: string;
  textFill: string;
}

/** Sets of render facts kept per notice content, each with its name templates (or null: not fillable). */
const NAMED_PER_CONTENT = 256;

/** A rendering with the tenant's name left open: the title or subject before finishLine. */
interface NamedRendering {
  line: NameTemplate;
  html: NameTemplate;
  text: NameTemplate;
  locale: string;
}

type Channel = 'email' | 'post';

const raw = (value: string): string => value;

/**
 * Everything of a render input but the tenant's name and id, and the content (the caches are
 * per content object): inputs with the same key render the same but for the name.
 */
function factsKey(input: NoticeRenderInput): string {
  const { notice, tenant, ...rest } = input;
  return JSON.stringify([
    notice.id,
    notice.kind,
    notice.revision,
    tenant.locale,
    tenant.timeZone,
    rest,
  ]);
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
  // Name templates per content object and set of render facts (everything but the tenant's name
  // and id). Not used when a template calls `lookup`, the one helper that could use the name
  // as anything but text.
  private readonly namedCache = new WeakMap<NoticeContent, Map<string, NamedRendering | null>>();
  private readonly fillsNames: boolean;
  // Two placeholder names (letters and digits: no escaping or cleaning changes them) that differ
  // in length, first and last character, so a template that used the name other than as text
  // renders the two differently and is not filled in.
  private readonly sentinels = [
    `N${randomBytes(9).toString('hex')}Q`,
    `M${randomBytes(15).toString('hex')}Z`,
  ] as const;
  // A rendering filled in from name templates, with what its content hash is built from.
  private readonly filled = new WeakMap<object, { named: NamedRendering; name: string }>();
  // The key of a post's shared body, per name templates (computed once per set of facts).
  private readonly bodyKeys = new WeakMap<NamedRendering, string>();

  private constructor(
    private readonly templates: Record<TemplateName, CompiledTemplate>,
    catalogs: Map<string, MessageCatalog>,
    helpers: ReadonlySet<string>,
  ) {
    this.fillsNames = !helpers.has('lookup');
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
    const renderer = new NoticeRenderer(checked.templates, checked.catalogs, checked.helpers);
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
    const filled = this.renderFilled('email', input);
    if (filled === null) return this.renderEmailDirect(input);
    const { named, name } = filled;
    // The mailer reads both (and encodes only the lines that hold the name: holes).
    const email: RenderedEmail = {
      subject: finishLine(named.line.fill(name)),
      html: named.html.fill(name),
      text: named.text.fill(name),
      locale: named.locale,
    };
    this.filled.set(email, filled);
    return email;
  }

  /** The post on the tenant's dashboard feed. */
  renderPost(input: NoticeRenderInput): RenderedPost {
    const filled = this.renderFilled('post', input);
    if (filled === null) return this.renderPostDirect(input);
    const { named, name } = filled;
    // The HTML and text are joined only when read: a post stored as a shared body and its
    // tenant's fill (postBody) never needs them, nor does its hash.
    let html: string | undefined;
    let text: string | undefined;
    const post = Object.defineProperties(
      { title: finishLine(named.line.fill(name)), locale: named.locale },
      {
        html: { enumerable: true, get: () => (html ??= named.html.fill(name)) },
        text: { enumerable: true, get: () => (text ??= named.text.fill(name)) },
      },
    ) as RenderedPost;
    this.filled.set(post, filled);
    return post;
  }

  /**
   * The content hash of an email this renderer rendered: `contentSha256({ subject, text, html })`
   * (for a filled-in email, from its name templates' JSON: the same digest, less escaping).
   */
  emailSha256(email: RenderedEmail): string {
    return this.sha256Of(email, 'subject', email.subject);
  }

  /** The content hash of a post this renderer rendered: `contentSha256({ title, text, html })`. */
  postSha256(post: RenderedPost): string {
    return this.sha256Of(post, 'title', post.title);
  }

  /**
   * A filled-in rendering's html and text as parts with the (escaped) name between them, or
   * null for one rendered directly: the mailer encodes the parts' lines once.
   */
  holes(rendered: RenderedEmail | RenderedPost): {
    text: { parts: readonly string[]; value: string };
    html: { parts: readonly string[]; value: string };
  } | null {
    const filled = this.filled.get(rendered);
    return filled === undefined ? null : holesOf(filled);
  }

  /**
   * A filled-in post as what it shares with the other tenants of its set of facts (its HTML and
   * text split where the name stands, keyed by their SHA-256) and what goes between the parts
   * for this tenant; null for a post rendered directly. `body.htmlParts.join(htmlFill)` is the
   * post's `html` and `body.textParts.join(textFill)` its `text`.
   */
  postBody(post: RenderedPost): PostBody | null {
    const filled = this.filled.get(post);
    if (filled === undefined) return null;
    const { html, text } = holesOf(filled);
    let sha256 = this.bodyKeys.get(filled.named);
    if (sha256 === undefined) {
      sha256 = contentSha256({ html: [...html.parts], text: [...text.parts] });
      this.bodyKeys.set(filled.named, sha256);
    }
    return {
      body: { sha256, htmlParts: html.parts, textParts: text.parts },
      htmlFill: html.value,
      textFill: text.value,
    };
  }

  private sha256Of(
    rendered: { html: string; text: string },
    lineName: 'subject' | 'title',
    line: string,
  ): string {
    const filled = this.filled.get(rendered);
    if (filled === undefined)
      return contentSha256({ [lineName]: line, text: rendered.text, html: rendered.html });
    return jsonMembersSha256({
      [lineName]: JSON.stringify(line),
      text: (hash) => filled.named.text.updateJson(hash, filled.name),
      html: (hash) => filled.named.html.updateJson(hash, filled.name),
    });
  }

  /** renderEmail by Handlebars alone, every time: what a filled-in email is checked against. */
  renderEmailDirect(input: NoticeRenderInput): RenderedEmail {
    const { line, html, text, locale } = this.renderRaw('email', input);
    return { subject: finishLine(line), html, text: finishText(text), locale };
  }

  /** renderPost by Handlebars alone, every time. */
  renderPostDirect(input: NoticeRenderInput): RenderedPost {
    const { line, html, text, locale } = this.renderRaw('post', input);
    return { title: finishLine(line), html, text: finishText(text), locale };
  }

  /** The three templates' output as Handlebars gives it (the line and the text not yet finished). */
  private renderRaw(
    channel: Channel,
    input: NoticeRenderInput,
  ): { line: string; html: string; text: string; locale: string } {
    const { view, data, locale } = this.prepare(input);
    const t = this.templates;
    return channel === 'email'
      ? {
          line: t.emailSubject(view, { data }),
          html: t.emailHtml(view, { data }),
          text: t.emailText(view, { data }),
          locale,
        }
      : {
          line: t.postTitle(view, { data }),
          html: t.postHtml(view, { data }),
          text: t.postText(view, { data }),
          locale,
        };
  }

  /**
   * The name templates of these facts and the name to fill in, or null when the rendering must
   * be done directly: the name is not one a template can take as plain text, or the templates
   * do not treat it so for these facts. The first tenant of each set of facts is rendered directly, and the name
   * templates are kept only if they give exactly what Handlebars gave for it and for a second
   * placeholder.
   */
  private renderFilled(
    channel: Channel,
    input: NoticeRenderInput,
  ): { named: NamedRendering; name: string } | null {
    if (!this.fillsNames) return null;
    const name = cleanLine(input.tenant.name);
    // finishText commutes with filling in only a name that has no line break and no space at
    // its ends (cleanLine leaves none) and is not empty; JSON joins only well-formed text.
    if (name === '' || !isWellFormed(name)) return null;
    let byFacts = this.namedCache.get(input.notice.content);
    if (byFacts === undefined) {
      byFacts = new Map();
      this.namedCache.set(input.notice.content, byFacts);
    }
    const key = `${channel} ${factsKey(input)}`;
    let named = byFacts.get(key);
    if (named === undefined) {
      named = this.nameTemplates(channel, input, name);
      byFacts.set(key, named);
      if (byFacts.size > NAMED_PER_CONTENT) byFacts.delete(byFacts.keys().next().value as string);
    }
    if (named === null) return null;
    return { named, name };
  }

  private nameTemplates(
    channel: Channel,
    input: NoticeRenderInput,
    name: string,
  ): NamedRendering | null {
    const [first, second] = this.sentinels.map((sentinel) =>
      this.renderRaw(channel, {
        ...input,
        tenant: { ...input.tenant, name: sentinel, id: sentinel },
      }),
    );
    const direct = this.renderRaw(channel, input);
    const split = (text: string, escape: (value: string) => string) =>
      NameTemplate.split(text, this.sentinels[0], escape);
    const line = split(first.line, raw);
    const html = split(first.html, Handlebars.escapeExpression);
    const text = split(finishText(first.text), raw);
    if (line === null || html === null || text === null) return null;
    const [, other] = this.sentinels;
    const same =
      line.fill(other) === second.line &&
      html.fill(other) === second.html &&
      text.fill(other) === finishText(second.text) &&
      line.fill(name) === direct.line &&
      html.fill(name) === direct.html &&
      text.fill(name) === finishText(direct.text) &&
      first.locale === direct.locale;
    return same ? { line, html, text, locale: first.locale } : null;
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

/** A filled-in rendering's html and text as the parts with its (escaped) name between them. */
function holesOf(filled: { named: NamedRendering; name: string }): {
  text: { parts: readonly string[]; value: string };
  html: { parts: readonly string[]; value: string };
} {
  return { text: filled.named.text.holes(filled.name), html: filled.named.html.holes(filled.name) };
}
