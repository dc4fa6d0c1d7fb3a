import type { Request } from 'express';
import type { RateLimiterRedis } from 'rate-limiter-flexible';
import { DomainError, forbidden } from '../errors.js';
import { presentedCsrf, sameSecret } from './csrf.js';
import { consumeOrRefuse } from './rate-limit.js';

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** How one browser surface (console, portal) recognises its sessions. */
export interface BrowserGate<S extends { id: string; csrfToken: string }> {
  sessionCookie: string;
  signInCsrfCookie: string;
  /** Shown to a request without a session cookie. */
  signInRequired: string;
  authenticate(token: string): Promise<S | null>;
  perSession: RateLimiterRedis;
}

type GateRequest = Request & { cookies: Record<string, string | undefined>; body?: unknown };

/**
 * A sign-in page (`anonymous`) passes with the sign-in form's CSRF token on anything that changes
 * state, and yields null. Any other page needs a live session (its cookie), within the per-session
 * rate limit, and the session's CSRF token on anything that changes state; the session is
 * attached (for the refusal page too) before the CSRF check.
 */
export async function passBrowserGate<S extends { id: string; csrfToken: string }>(
  req: GateRequest,
  anonymous: boolean,
  gate: BrowserGate<S>,
  attach: (session: S) => void,
): Promise<S | null> {
  const unsafe = !SAFE_METHODS.has(req.method);
  if (anonymous) {
    if (unsafe && !sameSecret(presentedCsrf(req), req.cookies[gate.signInCsrfCookie]))
      throw forbidden(
        'The form is out of date or was not sent from Herald; reload the page and try again',
      );
    return null;
  }
  const token = req.cookies[gate.sessionCookie];
  const session = token ? await gate.authenticate(token) : null;
  if (!session)
    throw new DomainError(
      'unauthorized',
      token ? 'Your session has ended; sign in again' : gate.signInRequired,
    );
  await consumeOrRefuse(gate.perSession, session.id, 'Too many requests; slow down');
  attach(session);
  if (unsafe && !sameSecret(presentedCsrf(req), session.csrfToken))
    throw forbidden(
      'The form is out of date or was not sent from Herald (CSRF check); reload the page and try again',
    );
  return session;
}
