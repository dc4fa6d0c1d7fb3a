import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadNoticeRenderer } from '../template-files.js';
import { NoticeRenderInput, NoticeRenderer, SUBJECT_MAX_LENGTH } from './notice-renderer.js';
import { sampleNoticeRenderInput } from './notice-render-fixtures.js';

const TEMPLATES_DIR = resolve(import.meta.dirname, '../../../templates');

// A realistic tenant per catalog locale, so the snapshots show each language's dates.
const TENANTS: Record<string, { locale: string; timeZone: string; name: string }> = {
  en: { locale: 'en-US', timeZone: 'America/New_York', name: 'Acme Corp' },
  ja: { locale: 'ja-JP', timeZone: 'Asia/Tokyo', name: '株式会社サンプル' },
  de: { locale: 'de-DE', timeZone: 'Europe/Berlin', name: 'Beispiel GmbH' },
  fr: { locale: 'fr-FR', timeZone: 'Europe/Paris', name: 'Exemple SA' },
  es: { locale: 'es-ES', timeZone: 'Europe/Madrid', name: 'Ejemplo S.L.' },
  'pt-BR': { locale: 'pt-BR', timeZone: 'America/Sao_Paulo', name: 'Exemplo Ltda.' },
};

function inputFor(catalog: string, change?: (input: NoticeRenderInput) => void): NoticeRenderInput {
  const input = sampleNoticeRenderInput();
  input.tenant = { ...input.tenant, ...TENANTS[catalog] };
  change?.(input);
  return input;
}

function flattenKeys(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  return Object.entries(value).flatMap(([key, child]) =>
    flattenKeys(child, prefix ? `${prefix}.${key}` : key),
  );
}

describe('NoticeRenderer', () => {
  let renderer: NoticeRenderer;

  beforeAll(() => {
    renderer = loadNoticeRenderer(TEMPLATES_DIR);
  });

  it('should offer en, ja, de, fr, es and pt-BR when loaded from templates/', () => {
    expect(renderer.locales).toEqual(['de', 'en', 'es', 'fr', 'ja', 'pt-BR']);
  });

  // Spam filters score text a reader cannot see (SpamAssassin FONT_INVIS_MSGID and
  // HTML_FONT_LOW_CONTRAST fired on a hidden preheader): every line of a notice is visible.
  it.each(Object.keys(TENANTS))('should hide no text in the email when the locale is %s', (c) => {
    const { html } = renderer.renderEmail(inputFor(c));
    expect(html).not.toMatch(
      /display\s*:\s*none|opacity\s*:\s*0[;"]|font-size\s*:\s*[01]px|max-height\s*:\s*0/,
    );
    expect(html).toContain('INC-2026-0042');
  });

  describe('snapshots', () => {
    it.each(Object.keys(TENANTS))(
      'should render the initial email and post as before when the locale is %s',
      (catalog) => {
        const input = inputFor(catalog);
        const email = renderer.renderEmail(input);
        const post = renderer.renderPost(input);
        expect(email.locale).toBe(catalog);
        expect(post.locale).toBe(catalog);
        expect(email.subject).toMatchSnapshot('email subject');
        expect(email.text).toMatchSnapshot('email text');
        expect(email.html).toMatchSnapshot('email html');
        expect(post.title).toMatchSnapshot('post title');
        expect(post.text).toMatchSnapshot('post text');
        expect(post.html).toMatchSnapshot('post html');
      },
    );

    it.each(['update', 'resolution'] as const)(
      'should render the %s email and post as before when the locale is en',
      (kind) => {
        const input = inputFor('en', (i) => {
          i.notice.kind = kind;
          if (kind === 'resolution') i.incident.phase = 'resolved';
        });
        const email = renderer.renderEmail(input);
        const post = renderer.renderPost(input);
        expect(email.subject).toMatchSnapshot('email subject');
        expect(email.text).toMatchSnapshot('email text');
        expect(email.html).toMatchSnapshot('email html');
        expect(post.title).toMatchSnapshot('post title');
        expect(post.text).toMatchSnapshot('post text');
        expect(post.html).toMatchSnapshot('post html');
      },
    );

    it('should change the subject prefix and heading when the kind changes', () => {
      const subjects = (['initial', 'update', 'resolution'] as const).map(
        (kind) => renderer.renderEmail(inputFor('en', (i) => (i.notice.kind = kind))).subject,
      );
      expect(subjects).toEqual([
        '[Security incident] Unauthorized access to a mail storage cluster (INC-2026-0042)',
        '[Update] Unauthorized access to a mail storage cluster (INC-2026-0042)',
        '[Resolved] Unauthorized access to a mail storage cluster (INC-2026-0042)',
      ]);
      const post = renderer.renderPost(inputFor('ja', (i) => (i.notice.kind = 'resolution')));
      expect(post.title).toBe('解決：Unauthorized access to a mail storage cluster');
      expect(post.text).toContain('セキュリティインシデント解決のお知らせ');
    });
  });

  describe('catalogs', () => {
    it('should have every key of en and no other when any locale catalog is read', () => {
      const dir = resolve(TEMPLATES_DIR, 'locales');
      const read = (file: string) =>
        flattenKeys(JSON.parse(readFileSync(resolve(dir, file), 'utf8'))).sort();
      const reference = read('en.json');
      const files = readdirSync(dir).filter((file) => file.endsWith('.json'));
      expect(files.sort()).toEqual([
        'de.json',
        'en.json',
        'es.json',
        'fr.json',
        'ja.json',
        'pt-BR.json',
      ]);
      for (const file of files)
        expect({ file, keys: read(file) }).toEqual({ file, keys: reference });
    });

    it('should translate every heading when rendering in a locale other than en', () => {
      const en = renderer.renderEmail(inputFor('en')).text;
      const enHeadings = en.split('\n').filter((line) => line.startsWith('## '));
      for (const catalog of ['ja', 'de', 'fr', 'es', 'pt-BR']) {
        const text = renderer.renderEmail(inputFor(catalog)).text;
        const headings = text.split('\n').filter((line) => line.startsWith('## '));
        expect(headings).toHaveLength(enHeadings.length);
        // French happens to share one word with English.
        expect(headings.filter((heading) => enHeadings.includes(heading))).toEqual(
          catalog === 'fr' ? ['## Questions'] : [],
        );
      }
    });
  });

  describe('locale fallback', () => {
    it('should write in ja when the tenant locale is ja-JP', () => {
      const email = renderer.renderEmail(inputFor('en', (i) => (i.tenant.locale = 'ja-JP')));
      expect(email.locale).toBe('ja');
      expect(email.text).toContain('## 概要');
      expect(email.html).toContain('<html lang="ja"');
    });

    it('should write in en when the tenant locale has no catalog', () => {
      const email = renderer.renderEmail(inputFor('en', (i) => (i.tenant.locale = 'ko-KR')));
      expect(email.locale).toBe('en');
      expect(email.text).toContain('## At a glance');
    });

    it('should write in pt-BR when the tenant locale is pt or pt-PT', () => {
      expect(renderer.renderPost(inputFor('en', (i) => (i.tenant.locale = 'pt'))).locale).toBe(
        'pt-BR',
      );
      expect(renderer.renderPost(inputFor('en', (i) => (i.tenant.locale = 'pt-PT'))).locale).toBe(
        'pt-BR',
      );
    });

    it("should use the contact's locale when it is given", () => {
      const email = renderer.renderEmail(inputFor('ja', (i) => (i.locale = 'de-AT')));
      expect(email.locale).toBe('de');
      expect(email.text).toContain('## Auf einen Blick');
    });

    it("should use the tenant's locale when the contact's locale has no catalog", () => {
      const email = renderer.renderEmail(inputFor('fr', (i) => (i.locale = 'ko-KR')));
      expect(email.locale).toBe('fr');
    });

    it('should format dates in the requested regional style when only the language has a catalog', () => {
      const us = renderer.renderEmail(
        inputFor('en', (i) => (i.tenant = { ...i.tenant, locale: 'en-US', timeZone: 'UTC' })),
      );
      const gb = renderer.renderEmail(
        inputFor('en', (i) => (i.tenant = { ...i.tenant, locale: 'en-GB', timeZone: 'UTC' })),
      );
      expect(us.text).toContain('We became aware: Mon, March 2, 2026 at 2:30 PM UTC');
      expect(gb.text).toContain('We became aware: Mon, 2 March 2026 at 14:30 UTC');
    });

    it('should resolve tags the same way through resolveLocale', () => {
      expect(renderer.resolveLocale('ja-JP')).toBe('ja');
      expect(renderer.resolveLocale('xx')).toBe('en');
      expect(renderer.resolveLocale('es-MX')).toBe('es');
    });
  });

  describe('content translations', () => {
    const translated = (tenantLocale: string, contactLocale?: string) =>
      renderer.renderEmail(
        inputFor('en', (i) => {
          i.tenant.locale = tenantLocale;
          i.locale = contactLocale;
          i.notice.content.translations = {
            'ja-JP': {
              title: 'メールストレージへの不正アクセス',
              actionsTaken: ['侵害された認証情報を無効化しました。'],
            },
            ja: {
              description: '攻撃者が盗まれた認証情報を使用しました。',
              title: '使われないタイトル',
            },
            de: { title: 'Unbefugter Zugriff auf einen Mail-Speicher' },
          };
        }),
      );

    it('should take each field from the best translation along the chain when the tenant locale is ja-JP', () => {
      const email = translated('ja-JP');
      expect(email.subject).toBe(
        '【セキュリティインシデント】メールストレージへの不正アクセス（INC-2026-0042）',
      );
      expect(email.text).toContain('攻撃者が盗まれた認証情報を使用しました。');
      expect(email.text).toContain('- 侵害された認証情報を無効化しました。');
      // Not translated: shown as written.
      expect(email.text).toContain('- Reset the IMAP application passwords of your users.');
    });

    it('should prefer the exact tag over a same-language one when the tenant locale is ja', () => {
      const email = translated('ja');
      expect(email.subject).toContain('使われないタイトル');
      expect(email.text).toContain('- 侵害された認証情報を無効化しました。');
    });

    it("should use the contact's language and not the tenant's when the contact locale overrides", () => {
      const email = translated('ja-JP', 'de-DE');
      expect(email.subject).toBe(
        '[Sicherheitsvorfall] Unbefugter Zugriff auf einen Mail-Speicher (INC-2026-0042)',
      );
      expect(email.text).not.toContain('攻撃者');
    });

    it('should skip a translation of the wrong shape when choosing a field', () => {
      const email = renderer.renderEmail(
        inputFor('en', (i) => {
          i.tenant.locale = 'ja-JP';
          i.notice.content.translations = JSON.parse(
            '{"ja-JP": {"title": 42, "actionsTaken": "not a list"}, "ja": {"title": "正しいタイトル"}}',
          ) as Record<string, Record<string, string>>;
        }),
      );
      expect(email.subject).toContain('正しいタイトル');
      expect(email.text).toContain('- Revoked the compromised credential');
    });

    it('should show the content as written when no translation matches the locale', () => {
      const email = translated('es-ES');
      expect(email.subject).toBe(
        '[Incidente de seguridad] Unauthorized access to a mail storage cluster (INC-2026-0042)',
      );
    });
  });

  describe('escaping and content as data', () => {
    const hostile = () =>
      inputFor('en', (i) => {
        i.notice.content.title = '<img src=x onerror=alert(1)> & "Q"';
        i.notice.content.description =
          'Do not run {{tenant.name}} or {{#each x}}{{/each}} <script>alert(1)</script>';
        i.notice.content.actionsTaken = ["Blocked <a href='javascript:alert(1)'>link</a>"];
        i.tenant.name = 'Evil <b>Corp</b>';
        i.provider.name = 'Nimbus & Co';
      });

    it('should escape markup from content in the HTML outputs', () => {
      for (const html of [
        renderer.renderEmail(hostile()).html,
        renderer.renderPost(hostile()).html,
      ]) {
        expect(html).not.toContain('<script>');
        expect(html).not.toContain('<img src=x');
        expect(html).not.toContain("<a href='javascript");
        expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
        expect(html).toContain('Nimbus &amp; Co');
      }
      expect(renderer.renderEmail(hostile()).html).toContain(
        'Dear Evil &lt;b&gt;Corp&lt;/b&gt; team,',
      );
    });

    it('should keep content verbatim and unescaped in the text outputs', () => {
      const text = renderer.renderEmail(hostile()).text;
      expect(text).toContain(
        'Do not run {{tenant.name}} or {{#each x}}{{/each}} <script>alert(1)</script>',
      );
      expect(text).toContain('Dear Evil <b>Corp</b> team,');
      expect(text).toContain('Nimbus & Co');
      expect(text).not.toContain('&amp;');
    });

    it('should show {{...}} in content as typed and never evaluate it when rendering HTML', () => {
      const html = renderer.renderEmail(hostile()).html;
      expect(html).toContain('Do not run {{tenant.name}} or {{#each x}}{{/each}}');
      expect(html).not.toContain('Do not run Evil');
    });

    it('should put no CR or LF in the subject when the title contains them', () => {
      const email = renderer.renderEmail(
        inputFor(
          'en',
          (i) =>
            (i.notice.content.title = 'Breach\r\nBcc: everyone@example.com\n\tX-Evil:\u0000 1'),
        ),
      );
      expect(email.subject).toBe(
        '[Security incident] Breach Bcc: everyone@example.com X-Evil: 1 (INC-2026-0042)',
      );
      expect(email.subject).not.toMatch(/[\r\n\t\u0000]/);
      expect(
        renderer.renderPost(inputFor('en', (i) => (i.notice.content.title = 'a\r\nb'))).title,
      ).toBe('Security incident: a b');
    });

    it('should cap the subject with an ellipsis and keep the reference when the title is very long', () => {
      const email = renderer.renderEmail(
        inputFor('en', (i) => (i.notice.content.title = 'Very long title '.repeat(40))),
      );
      expect([...email.subject].length).toBeLessThanOrEqual(SUBJECT_MAX_LENGTH);
      expect(email.subject).toMatch(/… \(INC-2026-0042\)$/);
    });

    it('should cap the subject when the reference itself is very long', () => {
      const email = renderer.renderEmail(
        inputFor('en', (i) => (i.incident.externalId = 'R'.repeat(500))),
      );
      expect([...email.subject]).toHaveLength(SUBJECT_MAX_LENGTH);
      expect(email.subject.endsWith('…')).toBe(true);
    });
  });

  describe('obligations and deadlines', () => {
    it('should show due times in the tenant time zone when the tenant is in Tokyo', () => {
      const email = renderer.renderEmail(inputFor('en', (i) => (i.tenant.timeZone = 'Asia/Tokyo')));
      // gdpr-art33-1 is due 2026-03-05T14:30:00Z: 23:30 in Tokyo.
      expect(email.text).toContain(
        '* GDPR Art. 33(1)\n  Who notifies whom: Your organization → Supervisory authority\n  Due: Thu, March 5, 2026 at 11:30 PM GMT+9',
      );
      expect(email.html).toContain('Thu, March 5, 2026 at 11:30 PM GMT+9');
    });

    it('should show due times with the zone abbreviation when the tenant is in New York', () => {
      const email = renderer.renderEmail(inputFor('en'));
      expect(email.text).toContain('Due: Thu, March 5, 2026 at 9:30 AM EST');
      expect(email.text).toContain('Our deadline to notify you: Thu, March 5, 2026 at 9:30 AM EST');
      expect(email.text).toContain(
        'we must notify you by Thu, March 5, 2026 at 9:30 AM EST at the latest',
      );
    });

    it('should format due times in the tenant locale when writing Japanese', () => {
      const email = renderer.renderEmail(inputFor('ja'));
      expect(email.text).toContain('期限：2026年3月5日(木) 23:30 JST');
    });

    it("should present the tenant's own duties as counted from our awareness time when any apply", () => {
      const text = renderer.renderEmail(inputFor('en')).text;
      const section = text.slice(
        text.indexOf('## What you may owe your own regulators and data subjects'),
      );
      expect(section).toContain(
        'Each clock is counted from when we became aware of the incident (Mon, March 2, 2026 at 9:30 AM EST)',
      );
      // Earliest first, null due dates last.
      expect(section.indexOf('NIS2 Art. 23(4)(a)')).toBeLessThan(
        section.indexOf('GDPR Art. 33(1)'),
      );
      expect(section.indexOf('GDPR Art. 33(1)')).toBeLessThan(section.indexOf('GDPR Art. 34'));
      expect(section).not.toContain('GDPR Art. 33(2)');
    });

    it('should show the due text in place of a time when dueAt is null', () => {
      const text = renderer.renderEmail(inputFor('en')).text;
      expect(text).toContain(
        '* GDPR Art. 34\n  Who notifies whom: Your organization → Data subjects\n  Due: Where the breach is likely to result in a high risk, the controller informs the data subjects without undue delay.\n  Rule: gdpr-art34',
      );
    });

    it('should say there is no fixed deadline when noticeDueAt is null', () => {
      const email = renderer.renderEmail(inputFor('en', (i) => (i.noticeDueAt = null)));
      expect(email.text).toContain('Our deadline to notify you: No fixed deadline');
      expect(email.text).toContain('No fixed deadline applies to us');
    });

    it('should fall back to UTC, and say so, when the tenant time zone is unknown', () => {
      const email = renderer.renderEmail(
        inputFor('en', (i) => (i.tenant.timeZone = 'Mars/Olympus_Mons')),
      );
      expect(email.text).toContain('Due: Thu, March 5, 2026 at 2:30 PM UTC');
    });
  });

  describe('data impact', () => {
    it('should translate categories and format estimates for the locale when rendering German', () => {
      const text = renderer.renderEmail(inputFor('de')).text;
      expect(text).toContain(
        'Betroffene Daten: Personenbezogene Daten, Zugangsdaten und Kundeninhalte',
      );
      expect(text).toContain('Geschätzte Zahl betroffener Personen: 12.500');
      expect(text).toContain('Geschätzte Zahl betroffener Datensätze: 1.843.200');
    });

    it('should leave out estimates when none are given', () => {
      const text = renderer.renderEmail(
        inputFor(
          'en',
          (i) => (i.notice.content.dataImpact = { categories: ['none'], description: '' }),
        ),
      ).text;
      expect(text).toContain('Data affected: No customer data affected');
      expect(text).not.toContain('Estimated number');
    });
  });

  describe('free text layout', () => {
    it('should keep paragraphs and line breaks when the content has them', () => {
      const input = inputFor('en', (i) => {
        i.notice.content.description = 'First line\r\nsecond line\n\n\nNew paragraph';
        i.notice.content.actionsTaken = ['Step one\nwith detail', '   ', 'Step two'];
      });
      const email = renderer.renderEmail(input);
      expect(email.text).toContain(
        '## What happened\n\nFirst line\nsecond line\n\nNew paragraph\n',
      );
      expect(email.text).toContain(
        '## What we have done\n\n- Step one\n  with detail\n- Step two\n',
      );
      expect(email.html).toContain('>First line<br>second line</p>');
      expect(email.html).toContain('>New paragraph</p>');
      expect(email.html).toContain('>Step one<br>with detail</li>');
    });

    it('should say what comes next when a list is empty', () => {
      const text = renderer.renderEmail(
        inputFor('en', (i) => (i.notice.content.suggestedActions = [])),
      ).text;
      expect(text).toContain(
        '## What we recommend you do\n\nNo action is needed from you at this time.\n',
      );
    });

    it('should leave out the description section when the description is empty', () => {
      const email = renderer.renderEmail(
        inputFor('en', (i) => (i.notice.content.description = ' \n ')),
      );
      expect(email.text).not.toContain('## What happened');
      expect(email.html).not.toContain('What happened');
    });

    it('should link the contact when it is an email address or an https URL', () => {
      expect(renderer.renderEmail(inputFor('en')).html).toContain(
        '<a href="mailto:security@nimbus.example"',
      );
      const url = renderer.renderEmail(
        inputFor('en', (i) => (i.provider.contact = 'https://nimbus.example/security')),
      ).html;
      expect(url).toContain('<a href="https://nimbus.example/security"');
      const phone = renderer.renderEmail(
        inputFor('en', (i) => (i.provider.contact = 'javascript:alert(1)')),
      ).html;
      expect(phone).not.toContain('href="javascript');
      expect(phone).toContain('<strong>javascript:alert(1)</strong>');
    });
  });

  describe('determinism', () => {
    it('should give byte-identical output and leave the input untouched when rendering the same input twice', () => {
      const input = inputFor('fr');
      const before = JSON.parse(JSON.stringify(input)) as NoticeRenderInput;
      const first = [renderer.renderEmail(input), renderer.renderPost(input)];
      const second = [renderer.renderEmail(inputFor('fr')), renderer.renderPost(inputFor('fr'))];
      expect(second).toEqual(first);
      expect(input).toEqual(before);
    });
  });
});
