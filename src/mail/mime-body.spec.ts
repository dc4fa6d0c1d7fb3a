import fc from 'fast-check';
import MailComposer from 'nodemailer/lib/mail-composer';
import { simpleParser, type ParsedMail } from 'mailparser';
import {
  encodeBody,
  holedTextPart,
  quotedPrintable,
  textPart,
  transferEncodingOf,
  type TextTransferEncoding,
} from './mime-body.js';

async function parsedWith(
  text: string,
  html: string,
): Promise<{ ours: ParsedMail; nodemailer: ParsedMail; raw: string }> {
  const base = {
    from: 'Herald <a@b.example>',
    to: 'x@y.example',
    subject: 'S',
    messageId: '<m@herald.local>',
    date: new Date(0),
    baseBoundary: 'b',
  };
  const ours = await new MailComposer({
    ...base,
    text: { raw: textPart('text/plain', text) },
    html: { raw: textPart('text/html', html) },
  })
    .compile()
    .build();
  const theirs = await new MailComposer({ ...base, text, html }).compile().build();
  return {
    ours: await simpleParser(ours),
    nodemailer: await simpleParser(theirs),
    raw: ours.toString('latin1'),
  };
}

const SAMPLES: Record<string, string> = {
  'trailing whitespace': 'Hello there \nTabbed\t\nend ',
  'long lines': `${'word '.repeat(60)}\n${'x'.repeat(200)}`,
  'equals signs and dots': 'a = b\n.leading dot\n=3D is not decoded twice',
  'CRLF and lone CR': 'one\r\ntwo\nthree\rfour',
  accents: `Grüße aus Köln, ${'é'.repeat(90)} — fin…`,
  japanese: 'セキュリティインシデントのお知らせ。'.repeat(12),
  emoji: `${'😀 '.repeat(40)}ok`,
};

describe('MIME text parts', () => {
  it.each(Object.entries(SAMPLES))(
    'should decode to what nodemailer encodes when the text has %s',
    async (_name, sample) => {
      const { ours, nodemailer, raw } = await parsedWith(sample, `<p>${sample}</p>`);
      expect(ours.text).toBe(nodemailer.text);
      expect(ours.html).toBe(nodemailer.html);
      expect(raw.split('\r\n').filter((line) => line.length > 76)).toEqual([]);
    },
  );

  it('should never split an encoded character across a soft line break when wrapping', () => {
    const encoded = quotedPrintable(`${'a'.repeat(73)}é${'b'.repeat(10)}`);
    const lines = encoded.split('\r\n');
    expect(lines[0]).toBe(`${'a'.repeat(73)}=`);
    expect(lines[1].startsWith('=C3=A9')).toBe(true);
  });

  it('should encode a space before a line break and keep one inside a line when quoted-printable', () => {
    expect(quotedPrintable('a b \nc')).toBe('a b=20\r\nc');
  });

  it('should pick 7bit, quoted-printable or base64 by nodemailer rule when choosing the encoding', () => {
    expect(transferEncodingOf('plain ascii\nshort lines')).toBe('7bit');
    expect(transferEncodingOf('x'.repeat(80))).toBe('quoted-printable');
    expect(transferEncodingOf('Grüße aus Köln')).toBe('quoted-printable');
    expect(transferEncodingOf('日本語のテキスト abc')).toBe('base64');
  });

  it('should not pick 7bit when a lone CR would stay raw and hide a long line', () => {
    const text = `${'a'.repeat(50)}\r${'a'.repeat(50)}`;
    expect(transferEncodingOf(text)).toBe('quoted-printable');
    expect(textPart('text/plain', text)).toContain('=0D');
  });
});

// A recipient's view: mailparser decodes the body (and turns CRLF into LF).
async function decodedBy(encoding: TextTransferEncoding, body: string): Promise<string> {
  const part = `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: ${encoding}\r\n\r\n${body}`;
  const parsed = await simpleParser(part);
  return parsed.text ?? '';
}

const asRecipientSees = (text: string): string => text.replace(/\r?\n/g, '\n');

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

// The bytes one quoted-printable line carries, which must be whole UTF-8 characters.
function lineCarriesWholeCharacters(line: string): boolean {
  const bytes = line
    .replace(/=$/, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  try {
    fatalUtf8.decode(Buffer.from(bytes, 'latin1'));
    return true;
  } catch {
    return false;
  }
}

describe('MIME text parts of any length', () => {
  // Before the buffer bound was fixed, writes past its end were dropped from these lengths on.
  it.each([
    ['あ', 425],
    ['あ', 1000],
    ['😀', 325],
    ['😀', 1000],
    ['é', 625],
    ['é', 1000],
    // The densest input there is: five 4-byte characters and a 2-byte one fill a line to 66
    // columns, the shortest line a soft break can end.
    ['😀😀😀😀😀é', 200],
  ])(
    'should keep every character when %s repeats %i times in quoted-printable',
    async (unit, times) => {
      const text = unit.repeat(times);
      const decoded = await decodedBy('quoted-printable', quotedPrintable(text));
      expect([...decoded].length).toBe([...text].length);
      expect(decoded).toBe(text);
    },
  );

  // Any code points, mixed with long runs of one character (how the buffer overflowed), line
  // breaks, trailing spaces and "=" that quoted-printable must treat specially.
  const anyCharacter = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 });
  const run = fc
    .tuple(
      fc.oneof(anyCharacter, fc.constantFrom('あ', '😀', 'é')),
      fc.integer({ min: 1, max: 800 }),
    )
    .map(([character, times]) => character.repeat(times));
  const special = fc.constantFrom(' ', '\t', '\n', '\r\n', '\r', '=', ' \n', '.');
  const mixed = fc
    .array(
      fc.oneof(
        fc.string({ unit: 'binary', size: 'medium' }),
        fc.string({ unit: 'binary-ascii', size: 'medium' }),
        run,
        special,
      ),
      {
        maxLength: 12,
      },
    )
    .map((pieces) => pieces.join(''));
  // Plain ASCII with long lines and the odd line break, which may go 7bit.
  const plainUnit = fc.oneof(
    { arbitrary: fc.constantFrom('a', 'b', ' ', '.', '='), weight: 40 },
    { arbitrary: fc.constantFrom('\n', '\r\n', '\r'), weight: 1 },
  );
  const plain = fc.string({ unit: plainUnit, maxLength: 300, size: 'max' });
  const unicodeText = fc.oneof(mixed, plain);

  it('should decode to the input, in lines of at most 76 characters, in every encoding when the text is any Unicode', async () => {
    await fc.assert(
      fc.asyncProperty(unicodeText, async (text) => {
        const encodings: TextTransferEncoding[] = ['quoted-printable', 'base64'];
        if (transferEncodingOf(text) === '7bit') encodings.push('7bit');
        for (const encoding of encodings) {
          const body = encodeBody(text, encoding);
          const lines = body.split('\r\n');
          expect(lines.filter((line) => line.length > 76)).toEqual([]);
          expect(await decodedBy(encoding, body)).toBe(asRecipientSees(text));
          if (encoding === 'quoted-printable')
            expect(lines.filter((line) => !lineCarriesWholeCharacters(line))).toEqual([]);
        }
        expect(Buffer.from(encodeBody(text, 'base64'), 'base64').toString('utf8')).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  // A notice with its tenant's name left open: parts of any text (line breaks, a CR at a part's
  // end, long lines, Latin or not) and a value in every hole between them.
  const letters = fc.constantFrom('a', 'b', ' ', '.');
  const part = fc.oneof(
    // 7bit or not by a line's length, near 76 once the value is in.
    fc
      .array(fc.string({ unit: letters, minLength: 20, maxLength: 76 }), {
        minLength: 1,
        maxLength: 3,
      })
      .map((lines) => lines.join('\n')),
    unicodeText,
    plain,
    fc.constantFrom('', '\r', '\n', 'line\r', '\nnext', ' ', 'é'),
  );
  const value = fc.oneof(
    fc.string({ unit: letters, minLength: 1, maxLength: 20 }),
    fc.string({ unit: plainUnit, maxLength: 120 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.constantFrom('Tenant 7 Ltd', '株式会社サンプル', 'a'.repeat(90), 'x=y ', ' '),
  );

  it('should encode text with holes as textPart encodes the filled-in text', () => {
    fc.assert(
      fc.property(
        fc.array(part, { minLength: 1, maxLength: 6 }),
        fc.array(value, { minLength: 2, maxLength: 3 }),
        fc.constantFrom('text/plain' as const, 'text/html' as const),
        (parts, values, type) => {
          // The same parts array again with other values: its line encodings are reused.
          for (const v of values)
            expect(holedTextPart(type, { parts, value: v })).toBe(textPart(type, parts.join(v)));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
