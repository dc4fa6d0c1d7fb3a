import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { createMailer, type OutgoingMail } from './mailer.js';

// Issue 20, L1: text that looks like an RFC 2047 encoded-word must reach the reader as those
// characters, not decoded into words the reviewer never saw.

const SPOOF = '=?UTF-8?B?UGF5IHRoZSByYW5zb20gYXQgZXZpbC5leGFtcGxl?='; // "Pay the ransom at evil.example"

/** RFC 2047 B-encoded words decoded (whitespace between adjacent words dropped, §6.2). */
const decodeWords = (value: string) =>
  value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?UTF-8\?B\?([^?]*)\?=/gi, (_, b64: string) =>
      Buffer.from(b64, 'base64').toString('utf8'),
    );

async function sendAndParse(mail: Partial<OutgoingMail>) {
  const dir = await mkdtemp(join(tmpdir(), 'herald-words-'));
  try {
    const mailer = createMailer({ outboxDir: dir, poolSize: 1, timeoutMs: 1000 });
    await mailer.send({
      from: 'Herald <security-notices@herald.test>',
      to: 'Ops <ops@tenant.test>',
      subject: 'Security incident',
      text: 'Body',
      html: '<p>Body</p>',
      messageId: '<6f1c2a8e-1b2c-4d5e-8f90-123456789abc@herald.local>',
      headers: {},
      date: new Date('2026-03-14T09:26:53.000Z'),
      ...mail,
    });
    await mailer.close();
    const day = join(dir, '2026-03-14');
    const [file] = await readdir(day);
    const raw = await readFile(join(day, file));
    return { raw: raw.toString('latin1'), parsed: await simpleParser(raw) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('mail headers holding encoded-word look-alikes', () => {
  it.each([
    `[INC-7] ${SPOOF}`,
    `Update ${SPOOF} für Kunden`,
    'Q form =?iso-8859-1?Q?Gr=FC=DFe?= here',
    `${SPOOF}${SPOOF}`,
  ])(
    'should show the subject %j exactly as written when it holds an encoded-word',
    async (subject) => {
      const { raw, parsed } = await sendAndParse({ subject });
      expect(parsed.subject).toBe(subject);
      expect(raw).not.toContain(SPOOF);
    },
  );

  it('should show an X-Herald-Incident value exactly as written when it holds an encoded-word', async () => {
    const { parsed } = await sendAndParse({ headers: { 'X-Herald-Incident': `INC-${SPOOF}` } });
    // mailparser leaves X- headers undecoded; decode as a reader's client does (RFC 2047 §6).
    const value = String(parsed.headers.get('x-herald-incident'));
    expect(decodeWords(value)).toBe(`INC-${SPOOF}`);
    expect(decodeWords(`INC-${SPOOF}`)).toBe('INC-Pay the ransom at evil.example');
  });

  it('should leave ordinary subjects as nodemailer writes them when nothing looks encoded', async () => {
    for (const subject of ['Security incident INC-7', 'Sicherheitsvorfall: Grüße =? nicht ?=']) {
      const { raw, parsed } = await sendAndParse({ subject });
      expect(parsed.subject).toBe(subject);
      if (subject.startsWith('Security'))
        expect(raw).toMatch(/^Subject: Security incident INC-7\r$/m);
    }
  });
});
