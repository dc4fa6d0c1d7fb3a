import {
  generateApiKey,
  hashApiKey,
  keyPrefix,
  reservedNameReason,
  sameHash,
} from './api-key-secret.js';

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

describe('the visible prefix of a key Herald did not generate', () => {
  // ADMIN_API_KEY's prefix once was its own first 11 characters, shown to every admin.
  it('should be derived from the hash and share no start with the secret', () => {
    const admin = 'test-admin-0123456789abcdef0123456789abcdef';
    const prefix = keyPrefix(admin);
    // Golden vector: env_ and the first 7 hex digits of the key's SHA-256.
    expect(prefix).toBe(`env_${hashApiKey(admin).toString('hex').slice(0, 7)}`);
    expect(prefix).toHaveLength(11);
    expect(admin.startsWith(prefix.slice(0, 3))).toBe(false);
    expect(prefix).not.toContain(admin.slice(0, 4));
    expect(keyPrefix(admin + 'x')).not.toBe(prefix);
  });
});

describe('reserved key names', () => {
  it.each(['bootstrap-admin', ' Bootstrap-Admin ', 'system', 'SYSTEM'])(
    'should refuse %p',
    (name) => expect(reservedNameReason(name)).toEqual(expect.any(String)),
  );
  it.each(['bootstrap-admin-2', 'ops', 'systems'])('should accept %p', (name) =>
    expect(reservedNameReason(name)).toBeNull(),
  );
});
