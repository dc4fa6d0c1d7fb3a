import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// hk_<8 char id>_<43 char secret>: the first 11 characters are the visible prefix used to
// find the key (a random id, not part of the secret); the whole string is only ever stored as a SHA-256 (256 random bits need no
// slow hash: there is nothing to brute-force).
export const KEY_PREFIX_LENGTH = 11;

export function generateApiKey(): { key: string; prefix: string } {
  const id = randomBytes(6).toString('base64url').slice(0, 8);
  const secret = randomBytes(32).toString('base64url');
  const key = `hk_${id}_${secret}`;
  return { key, prefix: keyPrefix(key) };
}

const GENERATED = /^hk_[A-Za-z0-9_-]{8}_[A-Za-z0-9_-]{43}$/;

/**
 * The visible prefix a key is found by: a generated key's public id, or for any other key
 * (ADMIN_API_KEY) `env_` and the start of its SHA-256, so it shows nothing of the secret.
 */
export function keyPrefix(key: string, sha256: Buffer = hashApiKey(key)): string {
  return GENERATED.test(key)
    ? key.slice(0, KEY_PREFIX_LENGTH)
    : `env_${sha256.toString('hex').slice(0, KEY_PREFIX_LENGTH - 4)}`;
}

/** The name of the key installed from ADMIN_API_KEY. */
export const BOOTSTRAP_ADMIN_NAME = 'bootstrap-admin';

/** Why a key may not take this name, or null: Herald's own names are not for API keys. */
export function reservedNameReason(name: string): string | null {
  const normalized = name.trim().toLowerCase();
  if (normalized === BOOTSTRAP_ADMIN_NAME)
    return 'is reserved for the key installed from ADMIN_API_KEY';
  if (normalized === 'system') return 'is the actor Herald records for its own changes';
  return null;
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

export function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
