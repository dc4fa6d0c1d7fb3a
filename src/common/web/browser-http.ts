import cookieParser from 'cookie-parser';
import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';

// No 'unsafe-inline' anywhere: scripts and styles come only from Herald's own assets
// (/console/assets, /portal/assets). The notice preview (preview.html) sets its own, stricter
// policy: no script at all. `form-action` also governs where a form's redirect may go: signing
// out of a single-sign-on session posts the form, then redirects to the IdP's end-session
// endpoint, so its origin is allowed.
function browserCsp(identityProvider?: string): string {
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
 * What the browser surfaces (console, portal) need before their routes: cookies, HTML forms,
 * their CSP, no caching of pages.
 * @param identityProvider the staff OIDC issuer, when single sign-on is configured
 */
export function browserHttp(identityProvider?: string): RequestHandler[] {
  const BROWSER_CSP = browserCsp(identityProvider);
  return [
    cookieParser(),
    express.urlencoded({ extended: false, limit: '1mb', parameterLimit: 200 }),
    (req: Request, res: Response, next: NextFunction) => {
      res.setHeader('Content-Security-Policy', BROWSER_CSP);
      if (!req.path.startsWith('/assets/')) res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Referrer-Policy', 'same-origin');
      next();
    },
  ];
}

/** The browser surfaces' mount points. */
export const BROWSER_SURFACES = ['/console', '/portal'] as const;

/** Console and portal forms are HTML forms (urlencoded), not JSON. */
export const isBrowserPath = (path: string): boolean =>
  BROWSER_SURFACES.some((base) => path === base || path.startsWith(`${base}/`));
