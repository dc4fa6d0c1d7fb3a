import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';

/** A new signing secret as Standard Webhooks writes it: `whsec_` and 32 random bytes in base64. */
export function generateSecret(random: (n: number) => Buffer = randomBytes): string {
  return PREFIX + random(32).toString('base64');
}

/**
 * Sealed form of a secret for the database: `v1:` AES-256-GCM under a key derived from
 * WEBHOOK_SECRET_KEY, so a copy of the database alone does not let anyone forge signatures.
 * Without a key it is stored as `plain:` (local use; the boot logs a warning).
 */
export function sealSecret(
  secret: string,
  key: string | undefined,
  random: (n: number) => Buffer = randomBytes,
): string {
  if (!key) return `plain:${secret}`;
  const iv = random(12);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(key), iv);
  const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return `v1:${iv.toString('base64')}:${sealed.toString('base64')}:${cipher.getAuthTag().toString('base64')}`;
}

export function openSecret(stored: string, key: string | undefined): string {
  if (stored.startsWith('plain:')) return stored.slice('plain:'.length);
  const [version, iv, sealed, tag] = stored.split(':');
  if (version !== 'v1' || !iv || !sealed || !tag) throw new Error('unreadable webhook secret');
  if (!key) throw new Error('webhook secret is sealed and WEBHOOK_SECRET_KEY is not set');
  const decipher = createDecipheriv('aes-256-gcm', deriveKey(key), Buffer.from(iv, 'base64'));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64')), decipher.final()]).toString(
    'utf8',
  );
}

function deriveKey(key: string): Buffer {
  return createHash('sha256').update(`herald webhook secrets\0${key}`).digest();
}
