import type { Request, Response } from 'express';
import { z } from 'zod';
import { cookieOptions } from '../common/web/csrf.js';

// Where a signed-out tenant admin was going when the portal sent them to sign in: only the
// check of a notice reference (the link in every notice's footer) is resumed, and only a
// reference that is a notice id, so the cookie can never send anyone anywhere else.
export const PORTAL_RETURN_COOKIE = '__Host-herald-portal-return';
const RETURN_TTL_MS = 3_600_000;
const reference = z.uuid();

const verifyPath = (value: unknown): string | null => {
  const parsed = reference.safeParse(typeof value === 'string' ? value.toLowerCase() : value);
  return parsed.success ? `/portal/verify?reference=${parsed.data}` : null;
};

/** On the way to sign-in from /portal/verify: remember the reference being checked. */
export function rememberVerifyReturn(req: Request, res: Response): void {
  if (req.path !== '/portal/verify' && req.originalUrl.split('?')[0] !== '/portal/verify') return;
  const path = verifyPath(req.query.reference);
  if (path) res.cookie(PORTAL_RETURN_COOKIE, path, cookieOptions(RETURN_TTL_MS));
}

/** Where a new session starts: the remembered check of a notice, or the notices page. */
export function takeReturnPath(req: Request, res: Response): string {
  const cookies = (req as { cookies?: Record<string, string | undefined> }).cookies;
  const remembered = cookies?.[PORTAL_RETURN_COOKIE];
  if (remembered === undefined) return '/portal/notices';
  res.clearCookie(PORTAL_RETURN_COOKIE, cookieOptions());
  const match = /^\/portal\/verify\?reference=(.+)$/.exec(remembered);
  return (match && verifyPath(match[1])) ?? '/portal/notices';
}
