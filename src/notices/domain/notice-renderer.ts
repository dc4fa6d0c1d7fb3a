import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { IntlFormatters } from './intl-formatters.js';
import { LocaleResolver } from './locale-resolver.js';
import { MessageCatalog, Translator, loadCatalogs } from './message-catalog.js';
import { trialRenderInputs } from './notice-render-fixtures.js';
import {
  NOTICE_KINDS,
  NoticeContent,
  NoticeKind,
  NoticeRenderInput,
  RenderedEmail,
  RenderedPost,
} from './notice-render.types.js';
import {
  NoticeView,
  ResolvedContent,
  VIEW_REQUIRED_KEYS,
  buildNoticeView,
  resolveContent,
} from './notice-view.js';
import { strictView } from './strict-view.js';
import { analyzeTemplate } from './template-analysis.js';
import { TemplateCheckError } from './template-check-error.js';
import { cleanLine, truncateText } from './text-sanitize.js';

export * from './notice-render.types.js';
export { TemplateCheckError } from './template-check-error.js';

/** The catalog every other locale is checked against and falls back to. */
export const DEFAULT_LOCALE = 'en';
/** Longest subject or post title, in user-perceived characters (the ellipsis included). */
export const SUBJECT_MAX_LENGTH = 200;

type EnvName = 'html' | 'text';
type TemplateName =
  'emailSubject' | 'emailHtml' | 'emailText' | 'postTitle' | 'postHtml' | 'postText';

const TEMPLATE_FILES: Record<TemplateName, { file: string; env: EnvName }> = {
  emailSubject: { file: 'email/subject.hbs', env: 'text' },
  emailHtml: { file: 'email/body.html.hbs', env: 'html' },
  emailText: { file: 'email/body.text.hbs', env: 'text' },
  postTitle: { file: 'dashboard/title.hbs', env: 'text' },
  postHtml: { file: 'dashboard/body.html.hbs', env: 'html' },
  postText: { file: 'dashboard/body.text.hbs', env: 'text' },
};
const TEMPLATE_NAMES = Object.keys(TEMPLATE_FILES) as TemplateName[];

// Partials are named by the environment they belong to: html-* escape, text-* do not.
const PARTIAL_PREFIX: Record<EnvName, string> = { html: 'html-', text: 'text-' };
const TRANSLATION_HELPERS = ['t', 'tk'] as const;

type CompiledTemplate = (view: NoticeView, options: { data: RenderData }) => string;

interface RenderData {
  i18n: Translator;
  kind: NoticeKind;
}

interface SourceFile {
  rel: string;
  env: EnvName;
  source: string;
  ast: hbs.AST.Program | null;
}

interface Prepared {
  view: NoticeView;
  data: RenderData;
  locale: string;
}

function compileOptions(env: EnvName): CompileOptions {
  return {
    strict: true,
    // A partial sees only what it is given ({{> name this}} or a hash): no copy of the
    // caller's context per call, and no accidental reliance on it.
    explicitPartialContext: true,
    knownHelpersOnly: true,
    knownHelpers: { t: true, tk: true },
    noEscape: env === 'text',
  };
}

function renderData(options: Handlebars.HelperOptions): RenderData {
  return options.data as RenderData;
}

function createEnvironment(): typeof Handlebars {
  const env = Handlebars.create();
  // {{t "key" name=value}}: a catalog message; the HTML environment escapes the result.
  env.registerHelper('t', (key: unknown, options: Handlebars.HelperOptions) => {
    if (typeof key !== 'string') throw new Error('{{t}} needs a string key');
    return renderData(options).i18n.t(key, options.hash);
  });
  // {{tk "prefix" ...}}: the message "prefix.<notice kind>".
  env.registerHelper('tk', (prefix: unknown, options: Handlebars.HelperOptions) => {
    if (typeof prefix !== 'string') throw new Error('{{tk}} needs a string key prefix');
    const data = renderData(options);
    return data.i18n.t(`${prefix}.${data.kind}`, options.hash);
  });
  return env;
}

function finishLine(rendered: string): string {
  return truncateText(cleanLine(rendered), SUBJECT_MAX_LENGTH);
}

function finishText(rendered: string): string {
  return `${rendered.replace(/\n{3,}/g, '\n\n').trim()}\n`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] : String(error);
}

/**
 * Renders security-incident notices (email and dashboard post) in the reader's language.
 * Templates and catalogs are read, checked and compiled once, in `load`; rendering does
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
   * Reads, checks and compiles `templatesDir` (see templates/README.md for the layout).
   * Throws a TemplateCheckError listing every problem: missing or malformed templates,
   * missing partials, translation keys absent from a catalog, catalogs whose keys differ
   * from `en`, and any error in a trial render of every template in every locale.
   */
  static load(templatesDir: string): NoticeRenderer {
    const problems: string[] = [];
    const files: SourceFile[] = [];

    const readSource = (rel: string, env: EnvName): SourceFile | null => {
      const path = join(templatesDir, rel);
      if (!existsSync(path)) {
        problems.push(`${rel}: template not found`);
        return null;
      }
      const source = readFileSync(path, 'utf8');
      let ast: hbs.AST.Program | null = null;
      try {
        ast = Handlebars.parse(source);
      } catch (error) {
        problems.push(
          `${rel}: malformed template: ${(error as Error).message.replace(/\s*\n\s*/g, ' ')}`,
        );
      }
      const file = { rel, env, source, ast };
      files.push(file);
      return file;
    };

    const templateSources = new Map<TemplateName, SourceFile>();
    for (const name of TEMPLATE_NAMES) {
      const file = readSource(TEMPLATE_FILES[name].file, TEMPLATE_FILES[name].env);
      if (file !== null) templateSources.set(name, file);
    }

    const partialSources = new Map<string, SourceFile>();
    const partialsDir = join(templatesDir, 'partials');
    const partialNames = existsSync(partialsDir)
      ? readdirSync(partialsDir)
          .filter((name) => name.endsWith('.hbs'))
          .sort()
      : [];
    if (!existsSync(partialsDir)) problems.push('partials/: directory not found');
    for (const fileName of partialNames) {
      const name = fileName.slice(0, -'.hbs'.length);
      const env = (Object.keys(PARTIAL_PREFIX) as EnvName[]).find((candidate) =>
        name.startsWith(PARTIAL_PREFIX[candidate]),
      );
      if (env === undefined) {
        problems.push(`partials/${fileName}: a partial's name must start with "html-" or "text-"`);
        continue;
      }
      const file = readSource(`partials/${fileName}`, env);
      if (file !== null) partialSources.set(name, file);
    }

    const { catalogs, problems: catalogProblems } = loadCatalogs(
      join(templatesDir, 'locales'),
      DEFAULT_LOCALE,
      VIEW_REQUIRED_KEYS,
    );
    problems.push(...catalogProblems);

    for (const file of files) {
      if (file.ast === null) continue;
      problems.push(...NoticeRenderer.checkReferences(file, file.ast, partialSources, catalogs));
      try {
        Handlebars.precompile(file.source, compileOptions(file.env));
      } catch (error) {
        problems.push(`${file.rel}: ${errorMessage(error)}`);
      }
    }
    if (problems.length > 0) throw new TemplateCheckError(problems);

    const environments: Record<EnvName, typeof Handlebars> = {
      html: createEnvironment(),
      text: createEnvironment(),
    };
    for (const [name, file] of partialSources) {
      environments[file.env].registerPartial(
        name,
        environments[file.env].compile(file.source, compileOptions(file.env)),
      );
    }
    const compile = (name: TemplateName): CompiledTemplate => {
      const file = templateSources.get(name);
      if (file === undefined) throw new Error(`unreachable: ${name} was checked`);
      return environments[file.env].compile<NoticeView>(file.source, compileOptions(file.env));
    };
    const templates = Object.fromEntries(
      TEMPLATE_NAMES.map((name) => [name, compile(name)]),
    ) as Record<TemplateName, CompiledTemplate>;

    const renderer = new NoticeRenderer(templates, catalogs);
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

  private static checkReferences(
    file: SourceFile,
    ast: hbs.AST.Program,
    partials: Map<string, SourceFile>,
    catalogs: Map<string, MessageCatalog>,
  ): string[] {
    const problems: string[] = [];
    const refs = analyzeTemplate(ast, TRANSLATION_HELPERS);
    for (const { name, line } of refs.partials) {
      const partial = partials.get(name);
      if (partial === undefined)
        problems.push(
          `${file.rel}:${line}: partial "${name}" not found (expected partials/${name}.hbs)`,
        );
      else if (partial.env !== file.env) {
        problems.push(
          `${file.rel}:${line}: partial "${name}" is for ${partial.env} output; ${file.env} templates use "${PARTIAL_PREFIX[file.env]}*" partials`,
        );
      }
    }
    for (const line of refs.dynamicPartialLines)
      problems.push(`${file.rel}:${line}: dynamic partial names are not allowed`);
    for (const line of refs.decoratorLines)
      problems.push(`${file.rel}:${line}: decorators are not allowed`);
    for (const { name, line } of refs.unknownBlocks) {
      problems.push(
        `${file.rel}:${line}: {{#${name}}} is not a block helper (use if, unless, each or with)`,
      );
    }
    for (const call of refs.translations) {
      if (call.key === null) {
        problems.push(`${file.rel}:${call.line}: {{${call.helper}}} needs a string literal key`);
        continue;
      }
      const keys =
        call.helper === 'tk' ? NOTICE_KINDS.map((kind) => `${call.key}.${kind}`) : [call.key];
      for (const key of keys) {
        const missingFrom = [...catalogs.keys()].filter(
          (locale) => !catalogs.get(locale)?.has(key),
        );
        if (missingFrom.length > 0) {
          problems.push(
            `${file.rel}:${call.line}: translation key "${key}" is missing from ${missingFrom.map((l) => `locales/${l}.json`).join(', ')}`,
          );
        }
        for (const [locale, messages] of catalogs) {
          for (const param of messages.get(key)?.params ?? []) {
            if (!call.hashKeys.includes(param)) {
              problems.push(
                `${file.rel}:${call.line}: "${key}" in ${locale} needs parameter {${param}}, which the template does not pass`,
              );
            }
          }
        }
      }
    }
    return problems;
  }
}
