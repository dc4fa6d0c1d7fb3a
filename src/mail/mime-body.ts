/**
 * Body encodings for a text part (RFC 2045), built straight into a buffer: nodemailer's
 * streaming encoders cost more than rendering the notice did. Lines end in CRLF; quoted-printable
 * lines stay within 76 characters and never split an encoded character.
 */

const HEX = Buffer.from('0123456789ABCDEF', 'latin1');
const EQUALS = 0x3d;
const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;
// Characters per line before the soft break's "=".
const QP_LINE = 75;
// Fewest input bytes on a line that ends in a soft break: more than 63 columns at 3 per byte.
const MIN_BYTES_PER_SOFT_LINE = Math.floor((QP_LINE - 12) / 3) + 1;

export type TextTransferEncoding = '7bit' | 'quoted-printable' | 'base64';

/** Quoted-printable: printable ASCII as is (not "="), space and tab as is except before a line break or the end. */
export function quotedPrintable(text: string): string {
  const input = Buffer.from(text, 'utf8');
  const n = input.length;
  // Worst case: every byte becomes "=XX" (3 characters), plus a soft break (3 more) per full
  // line. A soft break comes only once the line holds more than QP_LINE - 12 = 63 columns (the
  // widest character, 4 bytes, is 12), so after at least 22 input bytes: five emoji and one "é"
  // reach exactly that. Writes past a Buffer's end vanish silently, hence the check at the end.
  const out = Buffer.allocUnsafe(3 * n + 3 * Math.floor(n / MIN_BYTES_PER_SOFT_LINE));
  let o = 0;
  let column = 0;
  let i = 0;
  while (i < n) {
    const b = input[i];
    const next = i + 1 < n ? input[i + 1] : -1;
    if (b === LF || (b === CR && next === LF)) {
      out[o++] = CR;
      out[o++] = LF;
      column = 0;
      i += b === CR ? 2 : 1;
      continue;
    }
    if (b > SPACE && b < 0x7f && b !== EQUALS) {
      if (column === QP_LINE) {
        out[o++] = EQUALS;
        out[o++] = CR;
        out[o++] = LF;
        column = 0;
      }
      out[o++] = b;
      column++;
      i++;
      continue;
    }
    // Space and tab stay as they are unless a line break or the end follows them.
    const atLineEnd =
      next === -1 || next === LF || (next === CR && i + 2 < n && input[i + 2] === LF);
    const literal = (b === SPACE || b === TAB) && !atLineEnd;
    // A whole UTF-8 sequence at a time, so a soft break never falls inside a character.
    const size = literal || b < 0xc0 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
    const width = literal ? 1 : 3 * size;
    if (column + width > QP_LINE) {
      out[o++] = EQUALS;
      out[o++] = CR;
      out[o++] = LF;
      column = 0;
    }
    if (literal) {
      out[o++] = b;
    } else {
      const end = Math.min(i + size, n);
      for (let k = i; k < end; k++) {
        const c = input[k];
        out[o++] = EQUALS;
        out[o++] = HEX[c >> 4];
        out[o++] = HEX[c & 15];
      }
    }
    column += width;
    i += size;
  }
  if (o > out.length) throw new Error(`quoted-printable needed ${o} bytes, had ${out.length}`);
  return out.toString('latin1', 0, o);
}

/** Base64 of the UTF-8 bytes in lines of 76 characters. */
export function base64Lines(text: string): string {
  return Buffer.from(text, 'utf8')
    .toString('base64')
    .replace(/.{76}(?=.)/g, '$&\r\n');
}

const NOT_PLAIN = /[\x00-\x08\x0b\x0c\x0e-\x1f\u0080-\uFFFF]/;
const LONG_LINE = /^.{77,}/m;
// RFC 2045 §2.7: in 7bit data CR occurs only in CRLF. nodemailer's rule lets a lone one through,
// which leaves it raw in the message (and hides long lines from LONG_LINE, as "." stops at CR).
const BARE_CR = /\r(?!\n)/;
const OTHER = /[\x00-\x08\x0b\x0c\x0e-\x1f\u0080-\uFFFF]/g;
const LATIN = /[A-Za-z]/g;

/**
 * nodemailer's choice for a text part: 7bit when plain ASCII with short lines (and, unlike
 * nodemailer, no lone CR); else
 * quoted-printable when Latin letters outnumber other characters (non-ASCII and controls);
 * else base64.
 */
export function transferEncodingOf(text: string): TextTransferEncoding {
  if (
    !NOT_PLAIN.test(text) &&
    text.length <= 128 * 1024 &&
    !LONG_LINE.test(text) &&
    !BARE_CR.test(text)
  )
    return '7bit';
  const other = text.match(OTHER)?.length ?? 0;
  // Enough Latin letters to outnumber the others: stop counting once there are.
  LATIN.lastIndex = 0;
  let latin = 0;
  while (latin <= other && LATIN.exec(text) !== null) latin++;
  return other < latin ? 'quoted-printable' : 'base64';
}

/** The part's body in the given encoding. */
export function encodeBody(text: string, encoding: TextTransferEncoding): string {
  switch (encoding) {
    case 'quoted-printable':
      return quotedPrintable(text);
    case 'base64':
      return base64Lines(text);
    case '7bit':
      return text.replace(/\r?\n/g, '\r\n');
  }
}

/** A complete MIME part (headers and body) for a UTF-8 text of the given type. */
export function textPart(contentType: 'text/plain' | 'text/html', text: string): string {
  const encoding = transferEncodingOf(text);
  return `Content-Type: ${contentType}; charset=utf-8\r\nContent-Transfer-Encoding: ${encoding}\r\n\r\n${encodeBody(text, encoding)}`;
}

/**
 * A text written as parts with one value in every hole between them (a notice with its tenant's
 * name left open): `parts.join(value)` is the text.
 */
export interface HoledText {
  parts: readonly string[];
  value: string;
}

const LINE_BREAK = /\r?\n/;

/**
 * `textPart(contentType, parts.join(value))`, with the lines that hold no hole encoded once per
 * parts array: quoted-printable and 7bit are line by line (a line's encoding does not depend on
 * the lines around it), so only the few lines with the value are encoded for each text. The
 * transfer encoding is chosen from counts kept per line. Base64 (one stream for the whole
 * text), and a value that is empty or breaks a line, encode the whole text.
 */
export function holedTextPart(contentType: 'text/plain' | 'text/html', text: HoledText): string {
  const template = templateOf(text.parts);
  const { value } = text;
  if (value === '' || /[\r\n]/.test(value)) return textPart(contentType, text.parts.join(value));
  const encoding = template.encodingWith(value);
  const body =
    encoding === 'base64' ? base64Lines(text.parts.join(value)) : template.encode(encoding, value);
  return `Content-Type: ${contentType}; charset=utf-8\r\nContent-Transfer-Encoding: ${encoding}\r\n\r\n${body}`;
}

const templates = new WeakMap<readonly string[], LineTemplate>();

function templateOf(parts: readonly string[]): LineTemplate {
  let template = templates.get(parts);
  if (template === undefined) {
    template = new LineTemplate(parts);
    templates.set(parts, template);
  }
  return template;
}

/** What the transfer-encoding choice counts in a piece of text. */
interface Counts {
  notPlain: boolean;
  bareCr: boolean;
  other: number;
  latin: number;
}

function countsOf(text: string): Counts {
  return {
    notPlain: NOT_PLAIN.test(text),
    bareCr: BARE_CR.test(text),
    other: text.match(OTHER)?.length ?? 0,
    latin: text.match(LATIN)?.length ?? 0,
  };
}

/** A text's lines: a line without a hole is a string, a line with holes its segments between them. */
class LineTemplate {
  private readonly lines: (string | string[])[] = [];
  private readonly fixed: Counts;
  private readonly holes: number;
  private readonly fixedLength: number;
  /** Whether a line without a hole is longer than 7bit allows. */
  private readonly fixedLongLine: boolean;
  private readonly encoded = new Map<TextTransferEncoding, (string | null)[]>();

  constructor(parts: readonly string[]) {
    let current: string[] = [''];
    parts.forEach((part, i) => {
      const pieces = part.split(LINE_BREAK);
      current[current.length - 1] += pieces[0];
      for (let j = 1; j < pieces.length; j++) {
        this.lines.push(current.length === 1 ? current[0] : current);
        current = [pieces[j]];
      }
      if (i < parts.length - 1) current.push('');
    });
    this.lines.push(current.length === 1 ? current[0] : current);
    // A CR that ends a part and an LF that starts the next are not a line break once the value
    // stands between them, so the counts are taken over the parts, each on its own.
    const all = parts.map(countsOf);
    this.fixed = {
      notPlain: all.some((c) => c.notPlain),
      bareCr:
        all.some((c) => c.bareCr) || parts.some((p, i) => i < parts.length - 1 && /\r$/.test(p)),
      other: all.reduce((n, c) => n + c.other, 0),
      latin: all.reduce((n, c) => n + c.latin, 0),
    };
    this.holes = parts.length - 1;
    this.fixedLength = parts.reduce((n, p) => n + p.length, 0);
    this.fixedLongLine = this.lines.some((line) => typeof line === 'string' && line.length > 76);
  }

  /** transferEncodingOf(parts.join(value)), for a value without a line break. */
  encodingWith(value: string): TextTransferEncoding {
    // With no hole the value is not in the text.
    const v = this.holes > 0 ? countsOf(value) : countsOf('');
    const length = this.fixedLength + this.holes * value.length;
    const longLine =
      this.fixedLongLine ||
      this.lines.some(
        (line) =>
          typeof line !== 'string' &&
          line.reduce((n, s) => n + s.length, 0) + (line.length - 1) * value.length > 76,
      );
    if (
      !(this.fixed.notPlain || v.notPlain) &&
      length <= 128 * 1024 &&
      !longLine &&
      !(this.fixed.bareCr || v.bareCr)
    )
      return '7bit';
    const other = this.fixed.other + this.holes * v.other;
    const latin = this.fixed.latin + this.holes * v.latin;
    return other < latin ? 'quoted-printable' : 'base64';
  }

  /** encodeBody(parts.join(value), encoding) for quoted-printable or 7bit. */
  encode(encoding: '7bit' | 'quoted-printable', value: string): string {
    let fixed = this.encoded.get(encoding);
    if (fixed === undefined) {
      fixed = this.lines.map((line) =>
        typeof line === 'string' ? encodeBody(line, encoding) : null,
      );
      this.encoded.set(encoding, fixed);
    }
    let out = '';
    for (let i = 0; i < this.lines.length; i++) {
      if (i > 0) out += '\r\n';
      const line = this.lines[i];
      out += typeof line === 'string' ? fixed[i]! : encodeBody(line.join(value), encoding);
    }
    return out;
  }
}
