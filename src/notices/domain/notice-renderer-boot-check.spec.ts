import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadNoticeRenderer } from '../template-files.js';
import { TemplateCheckError } from './notice-renderer.js';

const TEMPLATES_DIR = resolve(import.meta.dirname, '../../../templates');

// Each test breaks its own copy of templates/ in the OS temp directory.
describe('loadNoticeRenderer boot check', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'herald-templates-'));
    cpSync(TEMPLATES_DIR, dir, { recursive: true });
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const edit = (rel: string, change: (source: string) => string): void => {
    const path = join(dir, rel);
    const before = readFileSync(path, 'utf8');
    const after = change(before);
    if (after === before) throw new Error(`test edit changed nothing in ${rel}`);
    writeFileSync(path, after);
  };

  const editCatalog = (
    locale: string,
    change: (catalog: Record<string, Record<string, unknown>>) => void,
  ): void =>
    edit(`locales/${locale}.json`, (source) => {
      const catalog = JSON.parse(source) as Record<string, Record<string, unknown>>;
      change(catalog);
      return JSON.stringify(catalog, null, 2);
    });

  const problemsOf = (): readonly string[] => {
    try {
      loadNoticeRenderer(dir);
    } catch (error) {
      if (error instanceof TemplateCheckError) return error.problems;
      throw error;
    }
    throw new Error('expected loadNoticeRenderer to fail');
  };

  it('should load when the copy is untouched', () => {
    expect(loadNoticeRenderer(dir).locales).toHaveLength(6);
  });

  it('should fail naming the partial and its caller when a partial is missing', () => {
    unlinkSync(join(dir, 'partials/html-row.hbs'));
    const problems = problemsOf();
    expect(problems).toContainEqual(
      expect.stringMatching(
        /^partials\/html-summary\.hbs:\d+: partial "html-row" not found \(expected partials\/html-row\.hbs\)$/,
      ),
    );
    expect(problems).toContainEqual(
      expect.stringMatching(/^partials\/html-reference\.hbs:\d+: partial "html-row" not found/),
    );
  });

  it('should fail when a text template calls an HTML partial', () => {
    edit('email/body.text.hbs', (source) =>
      source.replace('{{> text-sections this}}', '{{> html-sections this}}'),
    );
    expect(problemsOf()).toContainEqual(
      expect.stringMatching(
        /^email\/body\.text\.hbs:\d+: partial "html-sections" is for html output/,
      ),
    );
  });

  it('should fail listing every catalog when a template uses a key no catalog has', () => {
    edit('partials/html-summary.hbs', (source) => `${source}<p>{{t "summary.lastUpdated"}}</p>\n`);
    expect(problemsOf()).toContainEqual(
      expect.stringMatching(
        /^partials\/html-summary\.hbs:\d+: translation key "summary\.lastUpdated" is missing from locales\/de\.json, locales\/en\.json, locales\/es\.json, locales\/fr\.json, locales\/ja\.json, locales\/pt-BR\.json$/,
      ),
    );
  });

  it('should fail when a kind-specific key lacks one kind', () => {
    editCatalog('en', (catalog) => delete catalog.subject.resolution);
    const problems = problemsOf();
    expect(problems).toContain(
      'email/subject.hbs:1: translation key "subject.resolution" is missing from locales/en.json',
    );
    // Every other catalog now has a key en lacks.
    expect(problems).toContain('locales/ja.json: extra key "subject.resolution" (absent from en)');
  });

  it('should fail naming the locale and key when a translation is missing', () => {
    editCatalog('ja', (catalog) => delete catalog.summary.heading);
    const problems = problemsOf();
    expect(problems).toContain('locales/ja.json: missing key "summary.heading" (present in en)');
    expect(problems).toContainEqual(
      expect.stringMatching(
        /^partials\/html-summary\.hbs:1: translation key "summary\.heading" is missing from locales\/ja\.json$/,
      ),
    );
  });

  it('should fail when a catalog has a key en does not have', () => {
    editCatalog('fr', (catalog) => (catalog.summary.extra = 'En trop'));
    expect(problemsOf()).toContain('locales/fr.json: extra key "summary.extra" (absent from en)');
  });

  it('should fail when a translation is empty or not a string', () => {
    editCatalog('es', (catalog) => {
      catalog.summary.heading = '  ';
      catalog.summary.severity = 3;
    });
    const problems = problemsOf();
    expect(problems).toContain('locales/es.json: "summary.heading" is empty');
    expect(problems).toContain(
      'locales/es.json: "summary.severity" must be a string or an object of strings',
    );
  });

  it('should fail when a translation uses a placeholder en does not have', () => {
    editCatalog('de', (catalog) => (catalog.summary.heading = 'Überblick für {tenant}'));
    const problems = problemsOf();
    expect(problems).toContain(
      'locales/de.json: "summary.heading" uses parameter {tenant} that en does not have',
    );
    expect(problems).toContainEqual(
      expect.stringMatching(
        /"summary\.heading" in de needs parameter \{tenant\}, which the template does not pass$/,
      ),
    );
  });

  it('should fail when a catalog lacks a label the renderer itself needs', () => {
    for (const locale of ['de', 'en', 'es', 'fr', 'ja', 'pt-BR'])
      editCatalog(locale, (catalog) => delete catalog.severity.critical);
    expect(problemsOf()).toContain(
      'locales/en.json: missing key "severity.critical" that the renderer uses',
    );
  });

  it('should fail when a catalog is not valid JSON or is badly named', () => {
    edit('locales/ja.json', (source) => source.replace('{', '{,'));
    writeFileSync(join(dir, 'locales/pt_br.json'), '{}');
    const problems = problemsOf();
    expect(problems).toContainEqual(expect.stringMatching(/^locales\/ja\.json: not valid JSON/));
    expect(problems).toContain(
      'locales/pt_br.json: file name must be a canonical BCP 47 tag ("pt-BR.json")',
    );
  });

  it('should fail when the en catalog is missing', () => {
    unlinkSync(join(dir, 'locales/en.json'));
    expect(problemsOf()).toContain("locales/en.json: the default locale's catalog is missing");
  });

  it('should fail naming the file when a template is malformed', () => {
    edit('partials/text-summary.hbs', (source) => `${source}{{#if incident.occurredAt}}unclosed\n`);
    expect(problemsOf()).toContainEqual(
      expect.stringMatching(
        /^partials\/text-summary\.hbs: malformed template: Parse error on line \d+/,
      ),
    );
  });

  it('should fail when a template file is missing', () => {
    unlinkSync(join(dir, 'dashboard/title.hbs'));
    expect(problemsOf()).toContain('dashboard/title.hbs: template not found');
  });

  it('should fail when a template uses a helper that is not registered', () => {
    edit('email/body.html.hbs', (source) =>
      source.replace('{{content.title}}</h1>', '{{uppercase content.title}}</h1>'),
    );
    expect(problemsOf()).toContainEqual(
      expect.stringMatching(
        /^email\/body\.html\.hbs: You specified knownHelpersOnly, but used the unknown helper uppercase/,
      ),
    );
  });

  it('should fail when a template uses an implicit section block', () => {
    edit('partials/html-list.hbs', (source) =>
      source
        .replace('{{#each items}}', '{{#items}}')
        .replace('{{/each}}\n</ul>', '{{/items}}\n</ul>'),
    );
    expect(problemsOf()).toContainEqual(
      expect.stringMatching(/^partials\/html-list\.hbs:\d+: \{\{#items\}\} is not a block helper/),
    );
  });

  it('should fail when a translation key is not a string literal', () => {
    edit('partials/text-legal.hbs', (source) =>
      source.replace('{{t "legal.notice"}}', '{{t kindLabel}}'),
    );
    expect(problemsOf()).toContain('partials/text-legal.hbs:1: {{t}} needs a string literal key');
  });

  it('should fail when a partial is named for neither output', () => {
    writeFileSync(join(dir, 'partials/footer.hbs'), '<p>footer</p>\n');
    expect(problemsOf()).toContain(
      'partials/footer.hbs: a partial\'s name must start with "html-" or "text-"',
    );
  });

  it('should fail the trial render when a helper argument names a field the view does not have', () => {
    edit('partials/html-data-impact.hbs', (source) =>
      source.replace('{{#if dataImpact.recordsEstimate}}', '{{#if dataImpact.recordEstimate}}'),
    );
    expect(problemsOf()).toContainEqual(
      expect.stringMatching(
        /^email\/body\.html\.hbs: trial render failed \(de, initial notice\): template reads "view\.dataImpact\.recordEstimate"/,
      ),
    );
  });

  it('should fail the trial render when a plain lookup misses in strict mode', () => {
    edit('dashboard/body.text.hbs', (source) =>
      source.replace('{{kindLabel}}', '{{kindLabel}} {{incident.title}}'),
    );
    expect(problemsOf()).toContainEqual(
      expect.stringMatching(
        /^dashboard\/body\.text\.hbs: trial render failed \(en, initial notice\): .*title/,
      ),
    );
  });

  it('should list every problem when several things are broken at once', () => {
    unlinkSync(join(dir, 'partials/text-row.hbs'));
    editCatalog('pt-BR', (catalog) => delete catalog.legal.notice);
    edit('email/subject.hbs', (source) => `{{#each}}${source}`);
    const error = (() => {
      try {
        loadNoticeRenderer(dir);
      } catch (caught) {
        return caught;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(TemplateCheckError);
    const { problems, message } = error as TemplateCheckError;
    expect(problems.length).toBeGreaterThanOrEqual(3);
    expect(message).toContain('partial "text-row" not found');
    expect(message).toContain('locales/pt-BR.json: missing key "legal.notice" (present in en)');
    expect(message).toContain('email/subject.hbs: malformed template');
  });
});
