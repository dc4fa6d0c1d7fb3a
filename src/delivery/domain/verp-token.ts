import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

// A VERP token names one message: the notice and the tenant it went to (one message may carry
// several contacts of a tenant; the DSN's Final-Recipient then names the contact).
//
// Layout (35 bytes, base32 lowercase without padding: 56 characters, so that
// "bounce+<token>" is 63 characters, within RFC 5321's 64 for a local part):
//   1 byte   version (1)
//   16 bytes notice id (uuid)
//   8 bytes  sha256(tenant id), first 8 bytes: tenant ids are free text and may be long
//   10 bytes HMAC-SHA256(key, "herald-verp\0" + the 25 bytes above), truncated to 80 bits
// 80 bits of MAC: forging one token takes 2^79 guesses on average, each an SMTP transaction.
// Base32 because some relays lower-case the local part; decoding ignores case.

const VERSION = 1;
const UUID_BYTES = 16;
const TENANT_HASH_BYTES = 8;
const MAC_BYTES = 10;
const PAYLOAD_BYTES = 1 + UUID_BYTES + TENANT_HASH_BYTES;
const TOKEN_BYTES = PAYLOAD_BYTES + MAC_BYTES;
export const VERP_TOKEN_LENGTH = (TOKEN_BYTES * 8) / 5;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What a valid token says: the notice, and a digest of the tenant (compare with {@link tenantMatches}). */
export interface VerpMessage {
  noticeId: string;
  tenantHash: Buffer;
}

export function encodeVerpToken(key: Buffer, noticeId: string, tenantId: string): string {
  if (!UUID.test(noticeId)) throw new Error('noticeId must be a uuid');
  const payload = Buffer.concat([
    Buffer.from([VERSION]),
    Buffer.from(noticeId.replace(/-/g, ''), 'hex'),
    tenantHash(tenantId),
  ]);
  return base32(Buffer.concat([payload, mac(key, payload)]));
}

/** The message a token names, or null when it is malformed or its MAC does not verify. */
export function decodeVerpToken(key: Buffer, token: string): VerpMessage | null {
  if (token.length !== VERP_TOKEN_LENGTH) return null;
  const bytes = unbase32(token.toLowerCase());
  if (!bytes || bytes.length !== TOKEN_BYTES || bytes[0] !== VERSION) return null;
  const payload = bytes.subarray(0, PAYLOAD_BYTES);
  if (!timingSafeEqual(bytes.subarray(PAYLOAD_BYTES), mac(key, payload))) return null;
  const hex = payload.subarray(1, 1 + UUID_BYTES).toString('hex');
  return {
    noticeId: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
    tenantHash: Buffer.from(payload.subarray(1 + UUID_BYTES)),
  };
}

export function tenantMatches(message: VerpMessage, tenantId: string): boolean {
  return message.tenantHash.equals(tenantHash(tenantId));
}

/** `bounce+<token>@<domain>` */
export function verpAddress(token: string, domain: string): string {
  return `bounce+${token}@${domain}`;
}

/** The token of `bounce+<token>@<domain>` (domain compared without case), or null. */
export function verpTokenOf(address: string, domain: string): string | null {
  const at = address.lastIndexOf('@');
  if (at < 0 || address.slice(at + 1).toLowerCase() !== domain.toLowerCase()) return null;
  const match = /^bounce\+([a-z2-7]+)$/i.exec(address.slice(0, at));
  return match ? match[1] : null;
}

function tenantHash(tenantId: string): Buffer {
  return createHash('sha256').update(tenantId, 'utf8').digest().subarray(0, TENANT_HASH_BYTES);
}

function mac(key: Buffer, payload: Buffer): Buffer {
  return createHmac('sha256', key)
    .update('herald-verp\0')
    .update(payload)
    .digest()
    .subarray(0, MAC_BYTES);
}

function base32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

function unbase32(text: string): Buffer | null {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text) {
    const index = ALPHABET.indexOf(ch);
    if (index < 0) return null;
    value = ((value << 5) | index) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}
