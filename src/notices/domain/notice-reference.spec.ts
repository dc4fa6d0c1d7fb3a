import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadNoticeRenderer } from '../template-files.js';
import { sampleNoticeRenderInput } from './notice-render-fixtures.js';

const TEMPLATES_DIR = resolve(import.meta.dirname, '../../../templates');
const LOCALES = readdirSync(resolve(TEMPLATES_DIR, 'locales')).map((f) => f.replace(/\.json$/, ''));

describe('genuineness reference', () => {
  const renderer = loadNoticeRenderer(TEMPLATES_DIR);
  const input = sampleNoticeRenderInput();
  const url = `https://herald.nimbus.example/portal/verify?reference=${input.notice.id}`;

  it.each(LOCALES)(
    'should carry the notice ID and the portal verify link in email and post when the locale is %s',
    (locale) => {
      const email = renderer.renderEmail({ ...input, tenant: { ...input.tenant, locale } });
      const post = renderer.renderPost({ ...input, tenant: { ...input.tenant, locale } });
      for (const text of [email.text, post.text]) {
        expect(text).toContain(input.notice.id);
        expect(text).toContain(url);
      }
      for (const html of [email.html, post.html]) {
        // Handlebars writes "=" as &#x3D;, which an HTML parser reads back as "=".
        expect(html.replace(/&#x3D;/g, '=')).toContain(`href="${url}"`);
      }
    },
  );
});
