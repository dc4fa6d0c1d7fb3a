import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** What nodemailer's `dkim` option takes (one key). */
export interface DkimKey {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

/**
 * The DKIM key from its settings: `privateKey` is a PEM (literal `\n` escapes allowed, as an
 * environment variable often carries it) or the path of a PEM file. Throws a message naming the
 * setting when the key cannot be read or is not an RSA private key of at least 1024 bits.
 */
export function loadDkimKey(settings: {
  domain: string;
  selector: string;
  privateKey: string;
}): DkimKey {
  const value = settings.privateKey.trim();
  let pem: string;
  if (value.startsWith('-----BEGIN')) {
    pem = value.replace(/\\n/g, '\n');
  } else {
    try {
      pem = readFileSync(value, 'utf8');
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'unreadable';
      throw new Error(
        `DKIM_PRIVATE_KEY: is neither a PEM nor a readable file (${code}; the value is not echoed: it may be a key)`,
      );
    }
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new Error('DKIM_PRIVATE_KEY: is not a PEM private key (PKCS#1 or PKCS#8)');
  }
  // nodemailer signs rsa-sha256 only; RFC 8301 requires at least 1024 bits.
  if (key.asymmetricKeyType !== 'rsa') {
    throw new Error(
      `DKIM_PRIVATE_KEY: must be an RSA key, got ${key.asymmetricKeyType ?? 'unknown'}`,
    );
  }
  if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 1024) {
    throw new Error('DKIM_PRIVATE_KEY: an RSA key of at least 1024 bits (2048 recommended)');
  }
  return { domainName: settings.domain, keySelector: settings.selector, privateKey: pem };
}
