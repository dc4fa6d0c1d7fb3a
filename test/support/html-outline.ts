// What a reader of an HTML notice sees, without its presentation: the title, headings (#),
// paragraphs (¶), list items (-), table cells (|), links as [text](href) and images as
// ![alt]. Inline styles, layout tables and Outlook's conditional comments are dropped, so a
// snapshot of the outline changes when the words or the structure change, not the CSS.

const BLOCKS = new Set([
  'title',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'p',
  'li',
  'td',
  'th',
  'dt',
  'dd',
]);
const VOID_BREAK = new Set(['br']);

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

function decode(text: string): string {
  return text.replace(/&(#x?[0-9a-f]+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code =
        name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1));
      return String.fromCodePoint(code);
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

function attribute(attrs: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}\\s*=\\s*("([^"]*)"|'([^']*)')`, 'i').exec(attrs);
  return m ? decode(m[2] ?? m[3] ?? '') : undefined;
}

function marker(tag: string): string {
  if (tag === 'title') return 'title:';
  if (/^h[1-6]$/.test(tag)) return '#'.repeat(Number(tag[1]));
  return { p: '¶', li: '-', td: '|', th: '|', dt: 'dt:', dd: 'dd:' }[tag] ?? tag;
}

export function htmlOutline(html: string): string {
  const lines: string[] = [];
  const root = /<html\b([^>]*)>/i.exec(html);
  if (root)
    lines.push(
      `html lang=${attribute(root[1], 'lang') ?? '?'} dir=${attribute(root[1], 'dir') ?? '?'}`,
    );
  const source = html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(style|script)\b[\s\S]*?<\/\1>/gi, '');
  const open: Array<{ tag: string; text: string }> = [];
  let link: { href: string; text: string } | null = null;
  const flush = (): void => {
    const block = open[open.length - 1];
    if (!block) return;
    const text = block.text.replace(/\s+/g, ' ').trim();
    if (text !== '') lines.push(`${'  '.repeat(open.length - 1)}${marker(block.tag)} ${text}`);
    block.text = '';
  };
  const append = (text: string): void => {
    if (link) link.text += text;
    else if (open.length > 0) open[open.length - 1].text += text;
  };
  for (const m of source.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>|([^<]+)/g)) {
    const [, closing, rawTag, attrs, text] = m;
    if (text !== undefined) {
      append(decode(text));
      continue;
    }
    const tag = rawTag.toLowerCase();
    if (VOID_BREAK.has(tag)) append(' ');
    else if (tag === 'img') append(`![${attribute(attrs, 'alt') ?? ''}]`);
    else if (tag === 'a' && !closing) link = { href: attribute(attrs, 'href') ?? '', text: '' };
    else if (tag === 'a' && closing && link) {
      const done: { href: string; text: string } = link;
      link = null;
      append(`[${done.text.replace(/\s+/g, ' ').trim()}](${done.href})`);
    } else if (BLOCKS.has(tag) && !closing) {
      flush();
      open.push({ tag, text: '' });
    } else if (BLOCKS.has(tag) && closing) {
      flush();
      const at = open.map((b) => b.tag).lastIndexOf(tag);
      if (at >= 0) open.splice(at);
    }
  }
  return `${lines.join('\n')}\n`;
}
