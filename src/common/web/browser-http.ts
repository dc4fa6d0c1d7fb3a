import cookieParser from 'cookie-parser';
import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';

// No 'unsafe-inline' anywhere: scripts and styles come only from Herald's own assets
// (/console/assets, /portal/assets). The notice preview (preview.html) sets its own, stricter
// policy: no script at all.
const BROWSER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "frame-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

/** What the browser surfaces (console, portal) need before their routes: cookies, HTML forms, their CSP, no caching of pages. */
export function browserHttp(): RequestHandler[] {
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
