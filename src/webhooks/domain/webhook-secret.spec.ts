import { Webhook } from 'standardwebhooks';
import { generateSecret, openSecret, sealSecret } from './webhook-secret.js';

const KEY = 'a-webhook-sealing-key-of-forty-characters';

describe('webhook secrets', () => {
  it('should generate a Standard Webhooks secret the package signs with', () => {
    const secret = generateSecret(() => Buffer.alloc(32, 7));
    expect(secret).toBe('whsec_BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=');
    // Golden vector: HMAC-SHA256 over "msg_1.1700000000.{}" with 32 bytes of 0x07.
    expect(new Webhook(secret).sign('msg_1', new Date(1_700_000_000_000), '{}')).toBe(
      'v1,nuLLyheCKcS2N8JNOFt5stk98R+umYWr26/ZTfdtGM8=',
    );
  });

  it('should seal a secret so the stored form does not contain it, and open it again', () => {
    const secret = generateSecret();
    const sealed = sealSecret(secret, KEY);
    expect(sealed.startsWith('v1:')).toBe(true);
    expect(sealed).not.toContain(secret.slice(6, 20));
    expect(openSecret(sealed, KEY)).toBe(secret);
    expect(sealSecret(secret, KEY)).not.toBe(sealed);
  });

  it('should refuse to open a sealed secret with another key or none', () => {
    const sealed = sealSecret(generateSecret(), KEY);
    expect(() => openSecret(sealed, 'another-key-that-is-long-enough-for-it!!')).toThrow();
    expect(() => openSecret(sealed, undefined)).toThrow(/WEBHOOK_SECRET_KEY/);
  });

  it('should store a secret readable without a key', () => {
    expect(openSecret(sealSecret('whsec_abc', undefined), undefined)).toBe('whsec_abc');
  });
});
