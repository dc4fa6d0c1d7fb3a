import cookieParser from 'cookie-parser';
import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';

// No 'unsafe-inline' anywhere: scripts and styles come only from Herald's own /console/assets.
// The notice preview (preview.html) sets its own, stricter policy: no script at all.
// `form-action` also governs where a form's redirect may go: signing out of a single-sign-on
// session posts the form, then redirects to the IdP's end-session endpoint, so its origin is allowed.
function consoleCsp(identityProvider?: string): string {
  const idp = identityProvider ? ` ${new URL(identityProvider).origin}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "frame-src 'self'",
    "connect-src 'self'",
    `form-action 'self'${idp}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
}

/**
 * What the console needs before its routes: cookies, HTML forms, its CSP, no caching of pages.
 * @param identityProvider the OIDC issuer, when single sign-on is configured
 */
export function consoleHttp(identityProvider?: string): RequestHandler[] {
  const CONSOLE_CSP = consoleCsp(identityProvider);
  return [
    cookieParser(),
    express.urlencoded({ extended: false, limit: '1mb', parameterLimit: 200 }),
    (req: Request, res: Response, next: NextFunction) => {
      res.setHeader('Content-Security-Policy', CONSOLE_CSP);
      if (!req.path.startsWith('/assets/')) res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Referrer-Policy', 'same-origin');
      next();
    },
  ];
}

/** Console forms are HTML forms (urlencoded), not JSON. */
export const isConsolePath = (path: string): boolean =>
  path === '/console' || path.startsWith('/console/');
