import { resolve } from 'node:path';
import type { NoticeRenderer } from '../../src/notices/domain/notice-renderer.js';
import { trialRenderInputs } from '../../src/notices/domain/notice-render-fixtures.js';
import { loadNoticeRenderer } from '../../src/notices/template-files.js';
import { htmlOutline } from '../support/html-outline.js';

// What a reviewer reads of a rendered notice, pinned: the subject, the text part, and the
// outline of the HTML (headings, paragraphs, lists, cells, links), never its inline CSS. A
// change here is a change of wording or structure a reviewer should see in the diff.
const TEMPLATES_DIR = resolve(__dirname, '../../templates');
const LOCALES = ['en', 'de', 'fr', 'es', 'ja', 'pt-BR'];

describe('rendered notice, as a reviewer reads it', () => {
  let renderer: NoticeRenderer;

  beforeAll(() => {
    renderer = loadNoticeRenderer(TEMPLATES_DIR);
  });

  describe.each(LOCALES)('in %s', (locale) => {
    it.each(trialRenderInputs(locale).map((f) => [f.name, f.input] as const))(
      'should read as before when the notice is the %s fixture',
      (_name, input) => {
        const email = renderer.renderEmail(input);
        const post = renderer.renderPost(input);
        expect(email.locale).toBe(locale);
        expect(email.subject).toMatchSnapshot('email subject');
        expect(email.text).toMatchSnapshot('email text');
        expect(htmlOutline(email.html)).toMatchSnapshot('email html outline');
        expect(post.title).toMatchSnapshot('post title');
        expect(post.text).toMatchSnapshot('post text');
        expect(htmlOutline(post.html)).toMatchSnapshot('post html outline');
      },
    );
  });

  it('should keep words, headings and links and drop styles when outlining', () => {
    const outline = htmlOutline(
      '<html lang="en" dir="ltr"><head><title>T &amp; C</title><style>p{color:red}</style></head>' +
        '<body><!--[if mso]><p>Outlook only</p><![endif]--><table style="width:100%"><tr><td>' +
        '<h1 style="font-size:20px">Heading</h1><p style="margin:0">Call <a href="tel:+1">us</a>.</p>' +
        '<ul><li>One</li><li>Two</li></ul></td></tr></table></body></html>',
    );
    expect(outline).toBe(
      [
        'html lang=en dir=ltr',
        'title: T & C',
        '  # Heading',
        '  ¶ Call [us](tel:+1).',
        '  - One',
        '  - Two',
        '',
      ].join('\n'),
    );
  });
});
