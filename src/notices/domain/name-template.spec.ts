import fc from 'fast-check';
import Handlebars from 'handlebars';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { contentSha256 } from '../../common/domain/content-hash.js';
import { loadNoticeRenderer } from '../template-files.js';
import { NameTemplate, isWellFormed, jsonMembersSha256 } from './name-template.js';
import type { NoticeRenderInput } from './notice-renderer.js';
import { sampleNoticeRenderInput } from './notice-render-fixtures.js';

const TEMPLATES_DIR = resolve(import.meta.dirname, '../../../templates');

// Any UTF-16 text, lone surrogates included, and text that is well-formed.
const anyText = fc.string({ unit: 'binary' });
const wellFormed = fc.string({ unit: 'grapheme' });
// Names people give tenants, and names meant to break things: markup, catalog braces,
// Handlebars, entities, RTL and astral characters, the sentinel's own alphabet.
const tenantName = fc.oneof(
  wellFormed,
  fc.constantFrom(
    'Acme <b>&amp;</b> "Sons" \'Ltd\' `x` =y',
    '{tenant} {{tenant.name}} {{{raw}}}',
    '株式会社サンプル 🛡️ شركة',
    'N0123456789abcdefQ',
    '$& $1 $$',
  ),
  fc.stringMatching(/^[A-Za-z0-9 &<>"'`=.{}$-]{1,300}$/),
);

describe('NameTemplate', () => {
  it('should fill in the name escaped at every place the sentinel stood, and give its JSON', () => {
    fc.assert(
      fc.property(
        fc.array(wellFormed, { minLength: 1, maxLength: 5 }),
        wellFormed,
        fc.boolean(),
        (parts, name, html) => {
          const sentinel = 'S0entinel9';
          fc.pre(parts.every((p) => !p.includes(sentinel)));
          const escape = html ? Handlebars.escapeExpression : (v: string) => v;
          const template = NameTemplate.split(parts.join(sentinel), sentinel, escape);
          expect(template).not.toBeNull();
          const filled = parts.join(escape(name));
          expect(template!.fill(name)).toBe(filled);
          const hash = createHash('sha256');
          template!.updateJson(hash, name);
          expect(hash.digest('hex')).toBe(
            createHash('sha256').update(JSON.stringify(filled)).digest('hex'),
          );
          expect(jsonMembersSha256({ t: (h) => template!.updateJson(h, name) })).toBe(
            contentSha256({ t: filled }),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('should refuse text with a lone surrogate, whose JSON could not be joined', () => {
    expect(NameTemplate.split('a\uD800Sb', 'S', (v) => v)).toBeNull();
    expect(NameTemplate.split('a\uDC00', 'S', (v) => v)).toBeNull();
    expect(NameTemplate.split('a😀SbS', 'S', (v) => v)?.fill('x')).toBe('a😀xbx');
  });

  it('should tell well-formed text as String.prototype.isWellFormed does', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(isWellFormed(text)).toBe(
          (text as unknown as { isWellFormed(): boolean }).isWellFormed(),
        );
      }),
      { numRuns: 1000 },
    );
  });
});

describe('jsonMembersSha256', () => {
  it('should give contentSha256 of the object of strings', () => {
    fc.assert(
      fc.property(fc.dictionary(anyText, wellFormed, { maxKeys: 6 }), (record) => {
        const members = Object.fromEntries(
          Object.entries(record).map(([key, value]) => [key, JSON.stringify(value)]),
        );
        expect(jsonMembersSha256(members)).toBe(contentSha256(record));
      }),
      { numRuns: 500 },
    );
  });
});

describe('NoticeRenderer filling in tenant names', () => {
  const renderer = loadNoticeRenderer(TEMPLATES_DIR);
  // One content object for every run: the name templates are kept per content object.
  const base = sampleNoticeRenderInput();
  const facts = fc.record({
    locale: fc.constantFrom('en-US', 'ja-JP', 'de-DE', 'fr', 'es', 'pt-BR', 'pt-PT', 'xx'),
    timeZone: fc.constantFrom('Europe/Berlin', 'Asia/Tokyo', 'America/Sao_Paulo', 'UTC'),
    contactLocale: fc.option(fc.constantFrom('fr-FR', 'ja', 'de'), { nil: undefined }),
    dueHours: fc.option(fc.integer({ min: 1, max: 96 }), { nil: null }),
  });
  const inputOf = (
    f: {
      locale: string;
      timeZone: string;
      contactLocale: string | undefined;
      dueHours: number | null;
    },
    name: string,
    id: string,
  ): NoticeRenderInput => ({
    ...base,
    tenant: { id, name, locale: f.locale, timeZone: f.timeZone },
    noticeDueAt:
      f.dueHours === null
        ? null
        : new Date(Date.parse(base.incident.awareAt) + f.dueHours * 3_600_000).toISOString(),
    ...(f.contactLocale ? { locale: f.contactLocale } : {}),
  });

  it('should render exactly what Handlebars renders, and hash it as contentSha256 does', () => {
    fc.assert(
      fc.property(facts, tenantName, fc.uuid(), (f, name, id) => {
        const input = inputOf(f, name, id);
        const email = renderer.renderEmail(input);
        expect(email).toEqual(renderer.renderEmailDirect(input));
        expect(renderer.emailSha256(email)).toBe(
          contentSha256({ subject: email.subject, text: email.text, html: email.html }),
        );
        const post = renderer.renderPost(input);
        expect(post).toEqual(renderer.renderPostDirect(input));
        expect(renderer.postSha256(post)).toBe(
          contentSha256({ title: post.title, text: post.text, html: post.html }),
        );
      }),
      { numRuns: 400 },
    );
  });

  it("should give a post as a body shared by its set of facts and the tenant's fill, which join to the post", () => {
    fc.assert(
      fc.property(facts, tenantName, tenantName, (f, name, otherName) => {
        const post = renderer.renderPost(inputOf(f, name, 'tenant-a'));
        const shared = renderer.postBody(post);
        if (shared === null) return; // rendered directly: stored whole
        const { body } = shared;
        expect(body.htmlParts.join(shared.htmlFill)).toBe(post.html);
        expect(body.textParts.join(shared.textFill)).toBe(post.text);
        expect(body.sha256).toBe(
          contentSha256({ html: [...body.htmlParts], text: [...body.textParts] }),
        );
        // Another tenant of the same facts: the same body, its own fill (an empty name, say,
        // is rendered directly).
        const otherPost = renderer.renderPost(inputOf(f, otherName, 'tenant-b'));
        const other = renderer.postBody(otherPost);
        if (other === null) return;
        expect(other.body.sha256).toBe(body.sha256);
        expect(other.body.htmlParts).toEqual(body.htmlParts);
        expect(other.body.textParts.join(other.textFill)).toBe(otherPost.text);
      }),
      { numRuns: 200 },
    );
    const directly = renderer.renderPostDirect(
      inputOf(
        { locale: 'en-US', timeZone: 'UTC', contactLocale: undefined, dueHours: 1 },
        'Acme',
        'x',
      ),
    );
    expect(renderer.postBody(directly)).toBeNull();
  });

  it('should fill in the name rather than render, once a set of facts has been seen', () => {
    const f = {
      locale: 'de-DE',
      timeZone: 'Europe/Berlin',
      contactLocale: undefined,
      dueHours: 24,
    };
    renderer.renderEmail(inputOf(f, 'First GmbH', 'tenant-1'));
    const compiled = (renderer as unknown as { templates: Record<string, unknown> }).templates;
    const emailHtml = compiled.emailHtml;
    let calls = 0;
    compiled.emailHtml = (...args: unknown[]) => {
      calls++;
      return (emailHtml as (...a: unknown[]) => string)(...args);
    };
    try {
      const email = renderer.renderEmail(inputOf(f, 'Second <AG>', 'tenant-2'));
      expect(calls).toBe(0);
      expect(email.html).toContain('Second &lt;AG&gt;');
      expect(email.text).toContain('Second <AG>');
    } finally {
      compiled.emailHtml = emailHtml;
    }
  });

  describe('with templates that use the name as more than text', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'herald-templates-'));
      cpSync(TEMPLATES_DIR, dir, { recursive: true });
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const addToHtml = (snippet: string) => {
      const path = join(dir, 'email/body.html.hbs');
      writeFileSync(path, readFileSync(path, 'utf8').replace('</body>', `${snippet}</body>`));
    };

    it.each([
      ['its length', '{{#each tenant.name}}<i>{{@index}}</i>{{/each}}'],
      ['its first character', '{{#each tenant.name}}{{#if @first}}<i>{{this}}</i>{{/if}}{{/each}}'],
      ['its last character', '{{#each tenant.name}}{{#if @last}}<i>{{this}}</i>{{/if}}{{/each}}'],
      ['a lookup (which could take it as a key)', '{{lookup incident "externalId"}}'],
    ])('should still render exactly what Handlebars renders (%s)', (_, snippet) => {
      addToHtml(snippet);
      const custom = loadNoticeRenderer(dir);
      const content = sampleNoticeRenderInput();
      for (const name of ['Alpha', 'Beta Corporation', 'name', 'Z']) {
        const input = { ...content, tenant: { ...content.tenant, name } };
        expect(custom.renderEmail(input)).toEqual(custom.renderEmailDirect(input));
      }
    });
  });
});
