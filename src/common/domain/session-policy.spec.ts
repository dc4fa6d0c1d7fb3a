import { expiries, sessionState } from './session-policy.js';

const MIN = 60_000;
const policy = { idleMs: 30 * MIN, absoluteMs: 12 * 60 * MIN };
const t0 = new Date('2030-01-01T08:00:00Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * MIN);

describe('sessionState', () => {
  it('should be active when used within the idle window', () => {
    expect(
      sessionState({ createdAt: t0, lastSeenAt: at(10), revokedAt: null }, policy, at(39)),
    ).toBe('active');
  });

  it('should be idle-expired when unused for the idle timeout', () => {
    expect(
      sessionState({ createdAt: t0, lastSeenAt: at(10), revokedAt: null }, policy, at(40)),
    ).toBe('idle-expired');
  });

  it('should be expired after the absolute timeout however recently it was used', () => {
    const s = { createdAt: t0, lastSeenAt: at(719), revokedAt: null };
    expect(sessionState(s, policy, at(719))).toBe('active');
    expect(sessionState(s, policy, at(720))).toBe('expired');
  });

  it('should be revoked when signed out, whatever the time', () => {
    expect(sessionState({ createdAt: t0, lastSeenAt: t0, revokedAt: at(1) }, policy, at(2))).toBe(
      'revoked',
    );
  });
});

describe('expiries', () => {
  it('should move the idle expiry with each use but never past the absolute expiry', () => {
    expect(expiries(t0, policy, at(5))).toEqual({ idleExpiresAt: at(35), expiresAt: at(720) });
    expect(expiries(t0, policy, at(700))).toEqual({ idleExpiresAt: at(720), expiresAt: at(720) });
  });
});
