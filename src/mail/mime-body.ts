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
