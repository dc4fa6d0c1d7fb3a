import { createHash } from 'node:crypto';
import type { SendMailOptions } from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import DKIM from 'nodemailer/lib/dkim';
import MailComposer from 'nodemailer/lib/mail-composer';
import { buildHeaderValue, encodeWord, foldLines } from 'nodemailer/lib/mime-funcs';
import MimeNode from 'nodemailer/lib/mime-node';
import type { DkimKey } from '../config/dkim-key.js';
import type { OutgoingMail } from './mailer.js';
import { holedTextPart, textPart, type HoledText } from './mime-body.js';
import { MailSendError, toMailSendError } from './smtp-errors.js';

// Headers the mailer owns; a caller setting them is a bug, not something to merge silently.
const OWNED_HEADERS = [
  'from',
  'to',
  'cc',
  'bcc',
  'sender',
  'subject',
  'date',
  'message-id',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'auto-submitted',
  'x-auto-response-suppress',
  // The receiving MTA writes Return-Path from the envelope (OutgoingMail.returnPath); the
  // signature is the transport's.
  'return-path',
  'dkim-signature',
];

// Headers a mandatory security notice must never carry (docs/mail-headers.md says why): it is
// not a list, nobody can unsubscribe from a legal notice, and it must not be ranked as bulk.
const FORBIDDEN_HEADERS = [
  'list-unsubscribe',
  'list-unsubscribe-post',
  'list-id',
  'list-help',
  'list-subscribe',
  'list-post',
  'list-owner',
  'list-archive',
  'precedence',
];

const RESERVED_HEADERS = new Set([...OWNED_HEADERS, ...FORBIDDEN_HEADERS]);

/** The fields DKIM signs: nodemailer's defaults (RFC 6376 5.4.1) plus Auto-Submitted and Herald's own. */
export const DKIM_SIGNED_HEADERS =
  'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:' +
  'Content-Transfer-Encoding:Content-ID:Content-Description:In-Reply-To:References:' +
  'Auto-Submitted:X-Herald-Notice:X-Herald-Incident:X-Herald-Delivery:' +
  // Signed although absent: a List-Unsubscribe added on the way breaks the signature.
  'List-Id:List-Unsubscribe:List-Unsubscribe-Post';

/**
 * The nodemailer message of an OutgoingMail: validated (one recipient, a Message-ID, a date),
 * header values made literal, bodies encoded once, boundaries derived from the Message-ID so
 * a retried send produces the same bytes.
 */
export function toMessageOptions(
  mail: OutgoingMail,
  recipients: 'one' | 'many' = 'one',
  holes?: BodyHoles,
): SendMailOptions {
  const messageId = normalizeMessageId(mail.messageId);
  if (!(mail.date instanceof Date) || Number.isNaN(mail.date.getTime())) {
    throw invalid('date is not a valid Date');
  }
  const headers: Record<string, string> = {};
  for (const [rawName, rawValue] of Object.entries(mail.headers)) {
    const name = headerName(rawName);
    if (name === '') continue;
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      throw invalid(`header ${name} is set by the mailer`);
    }
    headers[name] = literalText(headerText(rawValue));
  }
  const to = headerText(mail.to);
  // By default one message is one recipient: a second address would make a partial success
  // look like a delivery. With 'many' (one tenant's contacts of one locale, sent by the group
  // mailer, which records each RCPT TO's answer on its own delivery) several are allowed.
  const mailboxes = addressparser(to, { flatten: true });
  if (
    (recipients === 'one' ? mailboxes.length !== 1 : mailboxes.length < 1) ||
    !mailboxes.every((r) => isMailbox(r.address))
  ) {
    throw invalid(recipients === 'one' ? 'to must be exactly one mailbox' : 'to names no mailbox');
  }
  if (mail.returnPath !== undefined && !isMailbox(mail.returnPath)) {
    throw invalid('returnPath must be one bare address');
  }
  // RFC 3834 and Microsoft's equivalent: no out-of-office or read-receipt loops.
  headers['Auto-Submitted'] = 'auto-generated';
  headers['X-Auto-Response-Suppress'] = 'All';

  const from = headerText(mail.from);
  // Both parts: encoded here in one pass each (nodemailer's rule for the transfer encoding);
  // nodemailer composes the headers and the multipart/alternative around them. A message with
  // one part left empty is that part's node alone, where a raw part would stand for the whole
  // message, headers included: nodemailer encodes it then.
  const both = Boolean(mail.text && mail.html);
  return {
    from,
    to,
    subject: literalText(headerText(mail.subject)),
    text: both ? { raw: part('text/plain', mail.text, holes?.text) } : mail.text || undefined,
    html: both ? { raw: part('text/html', mail.html, holes?.html) } : mail.html || undefined,
    messageId,
    date: mail.date,
    headers,
    envelope: {
      from: mail.returnPath ?? addressparser(from, { flatten: true })[0]?.address ?? '',
      to: mailboxes.map((r) => r.address),
    },
    // Same Message-ID, same MIME boundaries: the bytes of a retried send do not change.
    baseBoundary: createHash('sha256').update(messageId).digest('hex').slice(0, 24),
    xMailer: false,
  };
}

/**
 * The bodies of a message as parts with one value in their holes (`text` is
 * `holes.text.parts.join(holes.text.value)`): encoded from per-line caches instead of in full.
 */
export interface BodyHoles {
  text: HoledText;
  html: HoledText;
}

function part(
  contentType: 'text/plain' | 'text/html',
  text: string,
  holed: HoledText | undefined,
): string {
  // Holes that do not add up to the text (a caller's mistake) are not used.
  const fits =
    holed !== undefined &&
    holed.parts.reduce((n, p) => n + p.length, 0) +
      (holed.parts.length - 1) * holed.value.length ===
      text.length;
  return fits ? holedTextPart(contentType, holed) : textPart(contentType, text);
}

/** The SMTP envelope of a message built by toMessageOptions: the return path and the one recipient. */
export function envelopeOf(message: SendMailOptions): { from: string; to: string[] } {
  const envelope = message.envelope as { from: string; to: string[] };
  return { from: envelope.from, to: envelope.to };
}

function invalid(what: string): MailSendError {
  return new MailSendError('permanent', `invalid message: ${what}`, { code: 'EINVALID' });
}

function isMailbox(address: string): boolean {
  return /^[^\s@<>]+@[^\s@<>]+$/.test(address);
}

// nodemailer already folds CR/LF to spaces; this runs first so nothing depends on that.
function headerText(value: string): string {
  return String(value)
    .replace(/\s*[\r\n\u2028\u2029]+\s*/g, ' ')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
    .trim();
}

// RFC 2047: nodemailer passes a well-formed encoded-word through as it is, so "=?UTF-8?B?…?="
// in a title would reach the reader decoded, as text nobody reviewed. Such a value goes out
// B-encoded as a whole, which a mail client shows as exactly the characters it holds.
const ENCODED_WORD = /=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=/;
function literalText(value: string): string {
  return ENCODED_WORD.test(value) ? encodeWord(value, 'B', 52) : value;
}

// RFC 5322 field-name: printable US-ASCII except colon.
function headerName(name: string): string {
  return name.replace(/[^!-9;-~]/g, '');
}

function normalizeMessageId(value: string): string {
  const bare = headerText(value).replace(/^<|>$/g, '');
  if (!/^[^<>\s@]+@[^<>\s@]+$/.test(bare) || bare.length > 250) {
    throw invalid('messageId must look like <id@domain>');
  }
  return `<${bare}>`;
}

/** nodemailer's transport `dkim` option for the key, or nothing without one. */
export function dkimOption(key: DkimKey | undefined): {
  dkim?: DkimKey & { headerFieldNames: string };
} {
  return key ? { dkim: { ...key, headerFieldNames: DKIM_SIGNED_HEADERS } } : {};
}

/**
 * The message exactly as the SMTP pool sends it, composed once (and DKIM-signed when a key is
 * configured), with its SMTP envelope: MAIL FROM is the return path (VERP), one RCPT TO per
 * mailbox of `to`. With `recipients: 'many'`, `to` may name several mailboxes.
 */
export async function composeMail(
  mail: OutgoingMail,
  recipients: 'one' | 'many' = 'one',
  dkim?: DkimKey,
  holes?: BodyHoles,
): Promise<{ raw: Buffer; envelope: { from: string; to: string[] }; messageId: string }> {
  const message = toMessageOptions(mail, recipients, holes);
  try {
    const unsigned = await assemble(message);
    const signing = dkimOption(dkim).dkim;
    const raw = signing ? await streamToBuffer(new DKIM(signing).sign(unsigned)) : unsigned;
    return { raw, envelope: envelopeOf(message), messageId: message.messageId as string };
  } catch (err) {
    throw toMailSendError(err);
  }
}

/**
 * The message's bytes. nodemailer's encoder writes every header field (encoded words, addresses,
 * folding); a text-and-HTML message, whose two parts toMessageOptions already encoded, is then put
 * together here in one pass instead of through nodemailer's streams, which cost a quarter of
 * the composing (docs/benchmarks.md), and its header block field by field instead of through a
 * MIME tree of three nodes per message (`alternativeHeaders`). The bytes are the ones
 * nodemailer's build() gives (test/unit/message-assembly.spec.ts, a property test); any other
 * shape goes through build().
 */
export async function assemble(message: SendMailOptions): Promise<Buffer> {
  const text = rawOf(message.text);
  const html = rawOf(message.html);
  const block =
    text !== undefined && html !== undefined && !message.attachments?.length
      ? (alternativeHeaders(message) ?? treeHeaders(message))
      : undefined;
  if (!block) return new MailComposer(message).compile().build();
  const { headers, boundary } = block;
  return Buffer.from(
    `${headers}\r\n\r\n--${boundary}\r\n${text}\r\n--${boundary}\r\n${html}\r\n--${boundary}--\r\n`,
  );
}

/** The root's header block and boundary as nodemailer's MIME tree builds them, if it is multipart/alternative. */
function treeHeaders(message: SendMailOptions): { headers: string; boundary: string } | undefined {
  const root = new MailComposer(message).compile();
  // Building the headers also settles the content type and the boundary.
  const headers = root.buildHeaders();
  const boundary = root.boundary;
  if (root.multipart !== 'alternative' || root.childNodes.length !== 2 || !boundary) {
    return undefined;
  }
  return { headers, boundary };
}

/** What of nodemailer's MimeNode writes one header field (nodemailer 10). */
interface FieldEncoder {
  /** A field's value as the node writes it, unfolded, without the key. */
  encodeHeaderValue(key: string, value: unknown): string;
  /** A field name as the node writes it (case, characters a name cannot hold dropped). */
  _normalizeHeaderKey(key: string): string;
  /** The boundary prefix of a root node made without one (nodemailer's default). */
  boundaryPrefix: string;
}
// A node of no content type, used only for its encoder: its output depends on the key, the value
// and the node's text encoding (the default, as MailComposer's root has it).
const fields = new MimeNode(false) as unknown as FieldEncoder;

// What toMessageOptions gives; a message with anything else goes through the MIME tree.
const OPTION_KEYS = new Set([
  'from',
  'to',
  'subject',
  'text',
  'html',
  'messageId',
  'date',
  'headers',
  'envelope',
  'baseBoundary',
  'xMailer',
]);
// The root's own fields, set after the custom ones, each replacing a custom field of its name.
const ROOT_FIELDS: Array<[string, 'from' | 'to' | 'subject' | 'messageId' | 'date']> = [
  ['From', 'from'],
  ['To', 'to'],
  ['Subject', 'subject'],
  ['Message-ID', 'messageId'],
  ['Date', 'date'],
];
// Custom fields the tree does not write as given: those buildHeaders() reads as a structure,
// and the root's own (which would replace them in place).
const NOT_AS_GIVEN = new Set([
  'Content-Type',
  'Content-Disposition',
  'Bcc',
  'MIME-Version',
  ...ROOT_FIELDS.map(([name]) => name),
]);
// Fields the same for every message of a notice (its sender, its subject), as written.
const KEPT_FIELDS = 256;
const keptFields = new Map<string, string | null>();

/**
 * The header block nodemailer's MailComposer gives the root of a message of two raw parts (text
 * and HTML), in its order: the custom fields, From, To, Subject, Message-ID, Date, MIME-Version,
 * then the Content-Type with the boundary of the root node (`-Part_1`). Each field is written by
 * nodemailer's own encoder and folded at 76 characters, as buildHeaders() does. Undefined for a
 * message of any other shape.
 */
function alternativeHeaders(
  message: SendMailOptions,
): { headers: string; boundary: string } | undefined {
  if (typeof message.baseBoundary !== 'string' || message.xMailer !== false) return undefined;
  for (const key of Object.keys(message)) if (!OPTION_KEYS.has(key)) return undefined;
  const custom = message.headers ?? {};
  if (typeof custom !== 'object' || Array.isArray(custom)) return undefined;
  const lines: string[] = [];
  for (const [rawKey, value] of Object.entries(custom)) {
    const key = fields._normalizeHeaderKey(rawKey);
    if (typeof value !== 'string' || NOT_AS_GIVEN.has(key)) return undefined;
    const line = field(key, value);
    if (line !== null) lines.push(line);
  }
  for (const [key, option] of ROOT_FIELDS) {
    const value = message[option];
    if (!value) continue;
    if (option === 'date' ? !(value instanceof Date) : typeof value !== 'string') return undefined;
    const line =
      option === 'from' || option === 'subject'
        ? keptField(key, value as string)
        : field(key, value);
    if (line !== null) lines.push(line);
  }
  const boundary =
    stripBoundaryControls(`${fields.boundaryPrefix}-${message.baseBoundary}`) + '-Part_1';
  lines.push('MIME-Version: 1.0');
  lines.push(
    foldLines(
      `Content-Type: ${buildHeaderValue({ value: 'multipart/alternative', params: { boundary } })}`,
      76,
    ),
  );
  return { headers: lines.join('\r\n'), boundary };
}

function field(key: string, value: unknown): string | null {
  const encoded = fields.encodeHeaderValue(key, value);
  return encoded.trim() ? foldLines(`${key}: ${encoded}`, 76) : null;
}

function keptField(key: string, value: string): string | null {
  const id = `${key}\n${value}`;
  let line = keptFields.get(id);
  if (line === undefined) {
    line = field(key, value);
    if (keptFields.size >= KEPT_FIELDS) keptFields.delete(keptFields.keys().next().value as string);
    keptFields.set(id, line);
  }
  return line;
}

// nodemailer's rule for a boundary's characters (mime-node's _stripBoundaryControls).
function stripBoundaryControls(value: string): string {
  return value.replace(/[\x00-\x1f\x7f]+/g, '');
}

/** A part toMessageOptions encoded: its raw text, headers included. */
function rawOf(content: SendMailOptions['text']): string | undefined {
  const raw = (content as { raw?: unknown } | undefined)?.raw;
  return typeof raw === 'string' ? raw : undefined;
}

async function streamToBuffer(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}
