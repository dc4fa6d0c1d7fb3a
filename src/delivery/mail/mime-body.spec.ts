import MailComposer from 'nodemailer/lib/mail-composer';
import { simpleParser, type ParsedMail } from 'mailparser';
import { quotedPrintable, textPart, transferEncodingOf } from './mime-body.js';

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
});
