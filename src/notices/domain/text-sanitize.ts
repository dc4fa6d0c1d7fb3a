// Free text comes from people and upstream systems; these make it safe to place in a
// subject line (no header injection) or a body (no stray control characters).

// C0 and C1 controls except tab and line feed; CR is normalised to LF first.
const BODY_CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
// Any whitespace or control run, including CR, LF, tab, U+2028/U+2029.
const LINE_BREAKERS = /[\s\u0001-\u001F\u007F-\u009F]+/g;
// Bidirectional overrides and isolates can make a subject read differently from its bytes.
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Multi-line text: CRLF/CR become LF, NUL and other control characters go, ends are trimmed. */
export function cleanMultiline(value: string): string {
  return value
    .replace(/\r\n?/g, '\n')
    .replace(BODY_CONTROLS, '')
    .replace(/[ \t]+$/gm, '')
    .trim();
}

// Anything cleanLine would change: a control, bidi or non-space whitespace character,
// two spaces in a row, or a space at either end.
const NEEDS_LINE_CLEANING =
  /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]|[^\S ]| {2}|^ | $/;

/** One line: NUL and bidi controls removed, every whitespace/control run becomes one space. */
export function cleanLine(value: string): string {
  if (!NEEDS_LINE_CLEANING.test(value)) return value;
  return value
    .replace(/\u0000/g, '')
    .replace(BIDI_CONTROLS, '')
    .replace(LINE_BREAKERS, ' ')
    .trim();
}

/** Caps `value` at `max` user-perceived characters, ending with an ellipsis when cut. */
export function truncateText(value: string, max: number): string {
  // A string of at most `max` UTF-16 units has at most `max` graphemes.
  if (value.length <= max) return value;
  const kept: string[] = [];
  for (const { segment } of graphemes.segment(value)) {
    if (kept.length === max)
      return `${kept
        .slice(0, max - 1)
        .join('')
        .trimEnd()}…`;
    kept.push(segment);
  }
  return value;
}

/** Text split into paragraphs (blank-line separated) of lines, for HTML rendering. */
export function toParagraphs(cleaned: string): string[][] {
  if (cleaned === '') return [];
  return cleaned
    .split(/\n[ \t]*\n+/)
    .map((paragraph) =>
      paragraph
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== ''),
    )
    .filter((lines) => lines.length > 0);
}
