import { generateApiKey, hashApiKey, keyPrefix, sameHash } from './api-key-secret.js';

describe('api key secrets', () => {
  it('should generate distinct high-entropy keys with a visible prefix', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.key).not.toEqual(b.key);
    expect(a.key).toMatch(/^hk_[A-Za-z0-9_-]{8}_[A-Za-z0-9_-]{43}$/);
    expect(a.prefix).toEqual(a.key.slice(0, 11));
    expect(keyPrefix(a.key)).toEqual(a.prefix);
  });

  it('should compare hashes only when equal', () => {
    const { key } = generateApiKey();
    expect(sameHash(hashApiKey(key), hashApiKey(key))).toBe(true);
    expect(sameHash(hashApiKey(key), hashApiKey(key + 'x'))).toBe(false);
    expect(sameHash(hashApiKey(key), Buffer.alloc(3))).toBe(false);
  });
});
