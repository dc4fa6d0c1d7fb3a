import Handlebars from 'handlebars';
import { MessageCatalog, Translator, checkCatalogs } from './message-catalog.js';
import { NOTICE_KINDS, NoticeKind } from './notice-render.types.js';
import { NoticeView, VIEW_REQUIRED_KEYS } from './notice-view.js';
import { analyzeTemplate } from './template-analysis.js';
import { TemplateCheckError } from './template-check-error.js';

// The boot-time check of the templates folder: every template and partial parsed, every
// partial and translation key it names present, every catalog in step with the default one,
// then compiled. Rendering (and the trial render of every template) is notice-renderer.ts.

/** The catalog every other locale is checked against and falls back to. */
export const DEFAULT_LOCALE = 'en';

/** The templates folder as read from disk (src/notices/template-files.ts): plain data. */
export interface TemplateFiles {
  /** Where it was read from, for messages. */
  readonly root: string;
  /** Relative path ('email/subject.hbs', 'partials/html-x.hbs', 'locales/en.json') to contents. */
  readonly files: ReadonlyMap<string, string>;
  /** Relative folders that exist ('partials', 'locales'). */
  readonly folders: ReadonlySet<string>;
}

export type EnvName = 'html' | 'text';
export type TemplateName =
  'emailSubject' | 'emailHtml' | 'emailText' | 'postTitle' | 'postHtml' | 'postText';

export const TEMPLATE_FILES: Record<TemplateName, { file: string; env: EnvName }> = {
  emailSubject: { file: 'email/subject.hbs', env: 'text' },
  emailHtml: { file: 'email/body.html.hbs', env: 'html' },
  emailText: { file: 'email/body.text.hbs', env: 'text' },
  postTitle: { file: 'dashboard/title.hbs', env: 'text' },
  postHtml: { file: 'dashboard/body.html.hbs', env: 'html' },
  postText: { file: 'dashboard/body.text.hbs', env: 'text' },
};
export const TEMPLATE_NAMES = Object.keys(TEMPLATE_FILES) as TemplateName[];

// Partials are named by the environment they belong to: html-* escape, text-* do not.
const PARTIAL_PREFIX: Record<EnvName, string> = { html: 'html-', text: 'text-' };
const TRANSLATION_HELPERS = ['t', 'tk'] as const;

export type CompiledTemplate = (view: NoticeView, options: { data: RenderData }) => string;

export interface RenderData {
  i18n: Translator;
  kind: NoticeKind;
}

/** What passed the check: compiled templates and the catalogs, by locale. */
export interface CheckedTemplates {
  templates: Record<TemplateName, CompiledTemplate>;
  catalogs: Map<string, MessageCatalog>;
  /** Every helper the templates and partials call. */
  helpers: ReadonlySet<string>;
}

interface SourceFile {
  rel: string;
  env: EnvName;
  source: string;
  ast: hbs.AST.Program | null;
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

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] : String(error);
}

function localeFiles(tree: TemplateFiles): { fileName: string; contents: string }[] {
  return [...tree.files]
    .filter(([rel]) => /^locales\/[^/]+$/.test(rel))
    .map(([rel, contents]) => ({ fileName: rel.slice('locales/'.length), contents }));
}

/**
 * Checks and compiles the templates folder (see templates/README.md for the layout).
 * Throws a TemplateCheckError listing every problem: missing or malformed templates,
 * missing partials, translation keys absent from a catalog, catalogs whose keys differ
 * from `en`.
 */
export function checkTemplates(tree: TemplateFiles): CheckedTemplates {
  const problems: string[] = [];
  const files: SourceFile[] = [];

  const readSource = (rel: string, env: EnvName): SourceFile | null => {
    const source = tree.files.get(rel);
    if (source === undefined) {
      problems.push(`${rel}: template not found`);
      return null;
    }
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
  const partialNames = [...tree.files.keys()]
    .filter((rel) => /^partials\/[^/]+\.hbs$/.test(rel))
    .map((rel) => rel.slice('partials/'.length))
    .sort();
  if (!tree.folders.has('partials')) problems.push('partials/: directory not found');
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

  const { catalogs, problems: catalogProblems } = checkCatalogs(
    tree.folders.has('locales') ? localeFiles(tree) : null,
    `${tree.root}/locales`,
    DEFAULT_LOCALE,
    VIEW_REQUIRED_KEYS,
  );
  problems.push(...catalogProblems);

  const helpers = new Set<string>();
  for (const file of files) {
    if (file.ast === null) continue;
    for (const helper of analyzeTemplate(file.ast, TRANSLATION_HELPERS).helpers)
      helpers.add(helper);
    problems.push(...checkReferences(file, file.ast, partialSources, catalogs));
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

  return { templates, catalogs, helpers };
}

function checkReferences(
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
      const missingFrom = [...catalogs.keys()].filter((locale) => !catalogs.get(locale)?.has(key));
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
