import fc from 'fast-check';
import {
  decodeVerpToken,
  encodeVerpToken,
  tenantMatches,
  VERP_TOKEN_LENGTH,
  verpAddress,
  verpTokenOf,
} from './verp-token.js';

const KEY = Buffer.from('k'.repeat(32));
const OTHER_KEY = Buffer.from('o'.repeat(32));
const tenantIds = fc.string({ minLength: 1, maxLength: 200, unit: 'grapheme' });
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

describe('VERP token', () => {
  it('should round-trip the notice id and the tenant when decoded with the same key', () => {
    fc.assert(
      fc.property(fc.uuid(), tenantIds, (noticeId, tenantId) => {
        const token = encodeVerpToken(KEY, noticeId, tenantId);
        const message = decodeVerpToken(KEY, token);
        expect(message?.noticeId).toBe(noticeId.toLowerCase());
        expect(tenantMatches(message!, tenantId)).toBe(true);
        expect(tenantMatches(message!, `${tenantId}x`)).toBe(false);
        // Some relays lower- or upper-case local parts.
        expect(decodeVerpToken(KEY, token.toUpperCase())?.noticeId).toBe(noticeId.toLowerCase());
      }),
    );
  });

  it('should fit an RFC 5321 local part when prefixed with bounce+', () => {
    const token = encodeVerpToken(KEY, '00000000-0000-4000-8000-000000000000', 'a'.repeat(500));
    expect(token).toHaveLength(VERP_TOKEN_LENGTH);
    expect(`bounce+${token}`.length).toBeLessThanOrEqual(64);
    expect(token).toMatch(/^[a-z2-7]+$/);
  });

  it('should reject a token when any character is changed', () => {
    fc.assert(
      fc.property(
        fc.uuid(),
        tenantIds,
        fc.nat(),
        fc.integer({ min: 1, max: 31 }),
        (noticeId, tenantId, position, shift) => {
          const token = encodeVerpToken(KEY, noticeId, tenantId);
          const i = position % token.length;
          const replaced = ALPHABET[(ALPHABET.indexOf(token[i]) + shift) % 32];
          const tampered = token.slice(0, i) + replaced + token.slice(i + 1);
          expect(decodeVerpToken(KEY, tampered)).toBeNull();
        },
      ),
    );
  });

  it('should reject a token when it is truncated, extended, foreign or signed with another key', () => {
    fc.assert(
      fc.property(fc.uuid(), tenantIds, fc.string(), (noticeId, tenantId, junk) => {
        const token = encodeVerpToken(KEY, noticeId, tenantId);
        expect(decodeVerpToken(OTHER_KEY, token)).toBeNull();
        expect(decodeVerpToken(KEY, token.slice(1))).toBeNull();
        expect(decodeVerpToken(KEY, `${token}a`)).toBeNull();
        if (junk !== token) expect(decodeVerpToken(KEY, junk)).toBeNull();
      }),
    );
  });

  it('should find the token in a bounce address of the domain only', () => {
    const token = encodeVerpToken(KEY, '3f6c2a9e-8b1d-4e7a-9c05-6d2b7e4f1a80', 'acme');
    expect(verpTokenOf(verpAddress(token, 'bounces.herald.test'), 'Bounces.Herald.Test')).toBe(
      token,
    );
    expect(verpTokenOf(`bounce+${token}@other.test`, 'bounces.herald.test')).toBeNull();
    expect(verpTokenOf(`postmaster@bounces.herald.test`, 'bounces.herald.test')).toBeNull();
    expect(verpTokenOf(`bounce+${token}!@bounces.herald.test`, 'bounces.herald.test')).toBeNull();
  });

  it('should encode a golden vector when given fixed input', () => {
    // Computed independently (Python: base64.b32encode of the layout, hmac.new): a change of
    // layout or MAC would refuse the bounces of mail already sent.
    expect(encodeVerpToken(KEY, '3f6c2a9e-8b1d-4e7a-9c05-6d2b7e4f1a80', 'acme')).toBe(
      'ae7wyku6rmou46u4avwsw7spdkaiekztvwd4csfazeftdbn4zhsduwg3',
    );
  });
});
