/** A contact as the tenant lists it (role decides whether notices go to it). */
export interface ListedContact {
  name: string;
  email: string;
  role: string;
}

/** What the contacts feature keeps per (tenant, address). */
export interface VerificationFacts {
  email: string;
  verifiedAt: Date | null;
  requestedAt: Date | null;
  requestReason: 'new' | 'reconfirm' | null;
}

export type VerificationState = 'verified' | 'unverified' | 'reconfirm-due';

export const NOTICE_CONTACT_ROLES: readonly string[] = ['primary', 'security', 'privacy'];

/** Addresses compare without case; the one key of a contact's verification. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/** The tenant's notice contacts by normalized address (the first name listed wins). */
export function noticeAddresses(contacts: readonly ListedContact[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of contacts) {
    if (!NOTICE_CONTACT_ROLES.includes(c.role)) continue;
    const email = normalizeEmail(c.email);
    if (!out.has(email)) out.set(email, c.name);
  }
  return out;
}

/**
 * What must change so the verifications match the tenant's notice contacts: new (or changed)
 * addresses are added, and so asked to verify; addresses no longer listed are dropped (listed
 * again later, they are new and verify again).
 */
export function reconcile(
  contacts: readonly ListedContact[],
  known: readonly string[],
): { add: Array<{ email: string; name: string }>; remove: string[] } {
  const listed = noticeAddresses(contacts);
  const have = new Set(known);
  return {
    add: [...listed]
      .filter(([email]) => !have.has(email))
      .map(([email, name]) => ({ email, name })),
    remove: known.filter((email) => !listed.has(email)),
  };
}

/** Verified within the period, never verified, or verified so long ago that it must re-confirm. */
export function verificationState(
  facts: Pick<VerificationFacts, 'verifiedAt'>,
  now: Date,
  reconfirmMs: number,
): VerificationState {
  if (!facts.verifiedAt) return 'unverified';
  return now.getTime() - facts.verifiedAt.getTime() >= reconfirmMs ? 'reconfirm-due' : 'verified';
}

/** The instant before which a verification is due for re-confirmation. */
export const reconfirmCutoff = (now: Date, reconfirmMs: number): Date =>
  new Date(now.getTime() - reconfirmMs);
