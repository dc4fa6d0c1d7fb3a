/** How long a browser session (console, portal) lives: idle (since it was last used) and absolute (since sign-in). */
export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
}

export interface SessionTimes {
  createdAt: Date;
  lastSeenAt: Date;
  revokedAt: Date | null;
}

export type SessionState = 'active' | 'idle-expired' | 'expired' | 'revoked';

export function sessionState(
  session: SessionTimes,
  policy: SessionPolicy,
  now: Date,
): SessionState {
  if (session.revokedAt) return 'revoked';
  if (now.getTime() >= session.createdAt.getTime() + policy.absoluteMs) return 'expired';
  if (now.getTime() >= session.lastSeenAt.getTime() + policy.idleMs) return 'idle-expired';
  return 'active';
}

/** The two expiry instants after a use at `now`: idle moves on, absolute never does. */
export function expiries(
  createdAt: Date,
  policy: SessionPolicy,
  now: Date,
): { idleExpiresAt: Date; expiresAt: Date } {
  const expiresAt = new Date(createdAt.getTime() + policy.absoluteMs);
  const idle = new Date(now.getTime() + policy.idleMs);
  return { idleExpiresAt: idle < expiresAt ? idle : expiresAt, expiresAt };
}
