import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// hk_<8 char id>_<43 char secret>: the first 11 characters are the visible prefix used to
// find the key; the whole string is only ever stored as a SHA-256 (256 random bits need no
// slow hash: there is nothing to brute-force).
export const KEY_PREFIX_LENGTH = 11;

export function generateApiKey(): { key: string; prefix: string } {
  const id = randomBytes(6).toString('base64url').slice(0, 8);
  const secret = randomBytes(32).toString('base64url');
  const key = `hk_${id}_${secret}`;
  return { key, prefix: keyPrefix(key) };
}

export function keyPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX_LENGTH);
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

export function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
