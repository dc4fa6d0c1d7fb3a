import { cleanLine, cleanMultiline, toParagraphs, truncateText } from './text-sanitize.js';

describe('cleanLine', () => {
  it('should collapse CR, LF, tab and other control runs to one space when they appear in a line', () => {
    expect(cleanLine('Data\r\nBcc: x@evil.example\tand\u000b\u001bmore')).toBe(
      'Data Bcc: x@evil.example and more',
    );
  });

  it('should strip NUL and bidi overrides when present', () => {
    expect(cleanLine('ab\u0000c \u202Egnp.exe\u202C')).toBe('abc gnp.exe');
  });

  it('should treat Unicode line separators and non-breaking runs as whitespace when collapsing', () => {
    expect(cleanLine('  a\u2028b\u2029 c  ')).toBe('a b c');
  });

  it('should return the same string when nothing needs cleaning', () => {
    expect(cleanLine('Plain title (INC-1)')).toBe('Plain title (INC-1)');
  });
});

describe('cleanMultiline', () => {
  it('should normalise CRLF and CR to LF and drop control characters when given body text', () => {
    expect(cleanMultiline('  one\r\ntwo\rthree\u0000\u0007 \n')).toBe('one\ntwo\nthree');
  });
});

describe('truncateText', () => {
  it('should keep text unchanged when it fits', () => {
    expect(truncateText('short', 10)).toBe('short');
  });

  it('should cut to the limit with an ellipsis when the text is longer', () => {
    const cut = truncateText('x'.repeat(300), 200);
    expect([...cut]).toHaveLength(200);
    expect(cut.endsWith('…')).toBe(true);
  });

  it('should not split an emoji or accented character when cutting', () => {
    const family = '👨‍👩‍👧';
    const cut = truncateText(`${family.repeat(5)}e\u0301`, 3);
    expect(cut).toBe(`${family}${family}…`);
  });
});

describe('toParagraphs', () => {
  it('should split paragraphs on blank lines and keep single line breaks as lines', () => {
    expect(toParagraphs('a\nb\n\n\nc')).toEqual([['a', 'b'], ['c']]);
    expect(toParagraphs('')).toEqual([]);
  });
});
