import fc from 'fast-check';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { OutgoingMail } from '../../src/mail/mailer.js';
import { assemble, toMessageOptions } from '../../src/mail/message-builder.js';

// composeMail puts a text-and-HTML message together itself instead of through nodemailer's
// streams (for speed). Whatever the message holds, the bytes must be nodemailer's.
const text = fc.string({
  unit: fc.constantFrom('a', 'é', '€', '😀', ' ', '\t', '.', '=', '\n', '\r\n', 'x'.repeat(80)),
});
const word = fc.string({
  unit: fc.constantFrom('a', 'Z', 'é', 'ß', '–', '😀', ' ', '"', ',', '=?', '?=', ':'),
  maxLength: 30,
});
const mailbox = fc
  .tuple(
    word,
    fc.stringMatching(/^[a-z0-9.+-]{1,20}$/),
    fc.stringMatching(/^[a-z0-9-]{1,12}\.example$/),
  )
  .map(([name, local, domain]) => ({ name, address: `${local}@${domain}` }));

const mail = fc.record({
  from: mailbox,
  to: fc.array(mailbox, { minLength: 1, maxLength: 5 }),
  subject: fc.string({
    unit: fc.constantFrom('a', 'Ü', '–', '😀', ' ', '=?UTF-8?B?', '?=', 'word '),
    maxLength: 200,
  }),
  text,
  html: text.map((t) => `<p>${t}</p>`),
  id: fc.stringMatching(/^[a-z0-9-]{1,40}$/),
  date: fc.date({
    min: new Date('2000-01-01T00:00:00Z'),
    max: new Date('2100-01-01T00:00:00Z'),
    noInvalidDate: true,
  }),
  // Herald's own fields, and names nodemailer writes otherwise than given (case, -ID, MIME-,
  // characters a name cannot hold) or reads as a structure (Content-Disposition).
  headers: fc.dictionary(
    fc.constantFrom(
      'X-Herald-Notice',
      'X-Herald-Delivery',
      'X-Herald-Incident',
      'x-herald-notice',
      'X-CORRELATION-ID',
      'mime-extra',
      'X Spaced:Name',
      'Content-Language',
      'Content-Disposition',
      'X-Long',
    ),
    fc.oneof(word, fc.constantFrom('', ' ', 'x'.repeat(100), 'a b '.repeat(40))),
  ),
  returnPath: fc.option(fc.constant('bounce+t0k3n@bounces.example'), { nil: undefined }),
});

const display = (m: { name: string; address: string }) =>
  m.name.trim() ? `"${m.name.replace(/["\\]/g, '')}" <${m.address}>` : m.address;

describe('message assembly', () => {
  it('should give the bytes nodemailer builds, for any text-and-HTML message', async () => {
    await fc.assert(
      fc.asyncProperty(mail, async (m) => {
        const outgoing: OutgoingMail = {
          from: display(m.from),
          to: m.to.map(display).join(', '),
          subject: m.subject,
          text: m.text,
          html: m.html,
          messageId: `<${m.id}@herald.example>`,
          date: m.date,
          headers: m.headers,
          returnPath: m.returnPath,
        };
        const options = toMessageOptions(outgoing, 'many');
        const ours = await assemble(options);
        const theirs = await new MailComposer(options).compile().build();
        expect(ours.toString('latin1')).toBe(theirs.toString('latin1'));
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['text only', { text: 'plain', html: '' }],
    ['HTML only', { text: '', html: '<p>html</p>' }],
  ])('should leave any other shape to nodemailer, headers and all (%s)', async (_shape, parts) => {
    const options = toMessageOptions(
      {
        from: 'Herald <n@herald.example>',
        to: 'a@b.example',
        subject: 'One part',
        ...parts,
        messageId: '<t1@herald.example>',
        date: new Date('2026-12-01T10:00:00Z'),
        headers: {},
      },
      'one',
    );
    const ours = await assemble(options);
    expect(ours.equals(await new MailComposer(options).compile().build())).toBe(true);
    expect(ours.toString()).toMatch(/^From: Herald <n@herald\.example>\r$/m);
    expect(ours.toString()).toMatch(/^Subject: One part\r$/m);
  });
});
