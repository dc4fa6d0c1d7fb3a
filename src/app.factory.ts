import { ConsoleLogger, INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { isUtf8 } from 'node:buffer';
import type { Server } from 'node:http';
import { ApiKeyGuard } from './api-keys/api-key.guard.js';
import { AppModule, type AppOptions } from './app.module.js';
import type { AuthenticatedRequest } from './common/auth/principal.js';
import { bodyTooLarge, DomainError } from './common/errors.js';
import { MetricsService } from './common/metrics/metrics.service.js';
import { buildOpenApiDocument } from './common/openapi.js';
import { ProblemFilter } from './common/problem.filter.js';
import { BROWSER_SURFACES, browserHttp, isBrowserPath } from './common/web/browser-http.js';
import { AppConfig } from './config/app-config.js';
import { runMigrations } from './database/migrate.js';

const MB = 1024 * 1024;
const BODY_LIMIT = 1 * MB;
// A bulk call may carry 10,000 tenants (docs/api.md): at a few hundred bytes each that is well over 1 MB.
const BULK_BODY_LIMIT = 32 * MB;
// An incident's scope may list 100,000 tenant ids: 2.5 MB holds that many ids of up to 20
// characters, while a 3 MB body is still refused (longer ids: widen the scope in several PATCHes).
const INCIDENT_BODY_LIMIT = 2.5 * MB;

/** The largest body a request's route takes, in bytes. */
function bodyLimit(req: Request): number {
  if (req.method === 'POST' && /^\/v1\/tenants\/bulk\/?$/.test(req.path)) return BULK_BODY_LIMIT;
  // POST /v1/incidents and PATCH /v1/incidents/{id}: the routes that carry a scope.
  if (req.method === 'POST' && /^\/v1\/incidents\/?$/.test(req.path)) return INCIDENT_BODY_LIMIT;
  if (req.method === 'PATCH' && /^\/v1\/incidents\/[^/]+\/?$/.test(req.path))
    return INCIDENT_BODY_LIMIT;
  return BODY_LIMIT;
}

const hasBody = (req: Request): boolean =>
  Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;

// Node checks the header and request timeouts only this often (30 s unless told).
const TIMEOUT_CHECK_MS = 1000;

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

export function createLogger(config: AppConfig): ConsoleLogger {
  const upTo = LEVELS.indexOf(config.get('LOG_LEVEL'));
  return new ConsoleLogger('Herald', {
    json: config.get('LOG_FORMAT') === 'json',
    logLevels: LEVELS.slice(0, upTo + 1),
  });
}

class BodyEncodingError extends Error {
  readonly type = 'encoding.invalid';
  readonly status = 400;
  readonly expose = true;
  constructor() {
    super('The request body is not valid UTF-8');
  }
}

// JSON is UTF-8 (RFC 8259 §8.1). body-parser would decode any utf-* it knows, so UTF-7's
// "+ADw-" would arrive as "<" past every check made on the bytes.
function unsupportedCharset(contentType: string | undefined): string | undefined {
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(contentType ?? '')?.[1];
  return charset === undefined || /^utf-?8$/i.test(charset) ? undefined : charset;
}

/** The HTTP app, configured exactly as in production (tests use this too). */
export async function createHttpApp(
  config: AppConfig,
  logger = createLogger(config),
  options: AppOptions = {},
): Promise<NestExpressApplication> {
  await migrateIfConfigured(config, logger);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, options), {
    logger,
    bodyParser: false,
    abortOnError: false,
  });
  configureHttpApp(app, config);
  app.enableShutdownHooks();
  await app.init();
  installFallbackErrorHandler(app);
  return app;
}

export function configureHttpApp(app: NestExpressApplication, config: AppConfig): void {
  limitSlowClients(app.getHttpServer() as Server, config);
  app.set('trust proxy', config.get('TRUST_PROXY'));
  app.disable('x-powered-by');
  const problems = new ProblemFilter();
  // Answered before the body is read: close the connection rather than read what is left of it.
  const refuse = (err: unknown, req: Request, res: Response) => {
    if (hasBody(req)) res.setHeader('Connection', 'close');
    problems.respond(err, req, res);
  };
  app.use(securityHeaders());
  // API answers carry secrets (a new key is shown once) and tenant data: no cache may keep them.
  // The tenant feed sets its own policy (private, revalidated with its ETag).
  app.use('/v1', (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  if (!config.runsApi) {
    // A worker process serves /health and /metrics only.
    app.use('/v1', (req: Request, res: Response) =>
      refuse(
        new DomainError('not-found', 'This Herald process runs workers only (HERALD_ROLE=worker)'),
        req,
        res,
      ),
    );
  }
  // ---- The review console and the tenant portal: cookies, HTML forms and their own CSP (no 'unsafe-inline'). ----
  if (config.runsApi)
    for (const base of BROWSER_SURFACES) app.use(base, ...browserHttp(config.get('OIDC_ISSUER')));
  // ---- end of the browser block ----
  const metrics = app.get(MetricsService);
  app.use((req: Request, res: Response, next: NextFunction) => {
    const end = metrics.httpDuration.startTimer({ method: req.method });
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      end({ route });
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  });
  if (config.runsApi) {
    // Every /v1 route needs a key: check it before a byte of the body is read or parsed, so a
    // stranger's 32 MB costs one indexed lookup (the guard then checks the route's roles).
    const guard = app.get(ApiKeyGuard);
    app.use('/v1', (req: AuthenticatedRequest, res: Response, next: NextFunction) => {
      guard.authenticate(req).then(
        (principal) => {
          req.principal = principal;
          next();
        },
        (err: unknown) => refuse(err, req, res),
      );
    });
  }
  app.use((req: Request, res: Response, next: NextFunction) => {
    // A declared length over the route's limit is refused at once; chunked bodies are capped
    // by the parser as they arrive.
    const limit = bodyLimit(req);
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      refuse(new DomainError('payload-too-large', bodyTooLarge(limit)), req, res);
      return;
    }
    if (
      hasBody(req) &&
      ['POST', 'PUT', 'PATCH'].includes(req.method) &&
      !req.is(['application/json', 'application/*+json']) &&
      !isBrowserPath(req.path)
    ) {
      next(
        Object.assign(new Error('Send the body as application/json'), {
          type: 'content-type.unsupported',
          status: 415,
          expose: true,
        }),
      );
      return;
    }
    const charset = hasBody(req) ? unsupportedCharset(req.headers['content-type']) : undefined;
    if (charset !== undefined) {
      next(
        Object.assign(new Error(`charset "${charset}" is not supported: send UTF-8`), {
          type: 'charset.unsupported',
          status: 415,
          expose: true,
        }),
      );
      return;
    }
    next();
  });
  const parsers = new Map(
    [BODY_LIMIT, INCIDENT_BODY_LIMIT, BULK_BODY_LIMIT].map((limit) => [
      limit,
      express.json({
        limit,
        strict: true,
        type: ['application/json', 'application/*+json'],
        verify: (_req: unknown, _res: unknown, buf: Buffer) => {
          if (!isUtf8(buf)) throw new BodyEncodingError();
        },
      }),
    ]),
  );
  app.use((req: Request, res: Response, next: NextFunction) =>
    parsers.get(bodyLimit(req))!(req, res, next),
  );

  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
}

/** Header, whole-request and keep-alive timeouts, so a slow client cannot hold a connection open. */
function limitSlowClients(server: Server, config: AppConfig): void {
  server.headersTimeout = config.get('HTTP_HEADERS_TIMEOUT_MS');
  server.requestTimeout = config.get('HTTP_REQUEST_TIMEOUT_MS');
  server.keepAliveTimeout = config.get('HTTP_KEEP_ALIVE_TIMEOUT_MS');
  // Read when the server starts listening; @types/node only knows it as a constructor option.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval =
    Math.min(TIMEOUT_CHECK_MS, server.headersTimeout);
}

/**
 * OWASP's secure headers for an API: nothing may load, frame or be framed. Swagger UI on /docs
 * runs its scripts from files (no inline script); its page has inline <style> blocks and style
 * attributes, so styles alone may be inline there.
 */
function securityHeaders(): (req: Request, res: Response, next: NextFunction) => void {
  const policy = (directives: Record<string, string[]>) =>
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { ...directives, frameAncestors: ["'none'"], baseUri: ["'none'"] },
      },
      frameguard: { action: 'deny' },
      // Nothing cross-origin is ever embedded, the docs page included.
      crossOriginEmbedderPolicy: { policy: 'require-corp' },
      strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    });
  const api = policy({ defaultSrc: ["'none'"], formAction: ["'none'"] });
  const docs = policy({
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    formAction: ["'self'"],
  });
  return (req, res, next) => {
    res.setHeader('Permissions-Policy', PERMISSIONS_POLICY);
    (/^\/docs(\/|$)/.test(req.path) ? docs : api)(req, res, next);
  };
}

// Every powerful feature off: nothing Herald serves needs any of them.
const PERMISSIONS_POLICY = [
  'accelerometer',
  'autoplay',
  'camera',
  'display-capture',
  'encrypted-media',
  'fullscreen',
  'geolocation',
  'gyroscope',
  'magnetometer',
  'microphone',
  'midi',
  'payment',
  'picture-in-picture',
  'publickey-credentials-get',
  'screen-wake-lock',
  'sync-xhr',
  'usb',
  'xr-spatial-tracking',
]
  .map((feature) => `${feature}=()`)
  .join(', ');

/** RUN_MIGRATIONS=true: apply pending migrations (one process at a time) before anything starts. */
export async function migrateIfConfigured(config: AppConfig, logger: ConsoleLogger): Promise<void> {
  if (!config.get('RUN_MIGRATIONS')) return;
  const applied = await runMigrations(config.get('DATABASE_URL'));
  if (applied.length) logger.log({ msg: 'migrations applied', migrations: applied });
}

/** Body-parser and routing errors that happen before Nest's filters still answer problem+json. */
export function installFallbackErrorHandler(app: INestApplication): void {
  const filter = new ProblemFilter();
  const express = app.getHttpAdapter().getInstance() as { use: (fn: unknown) => void };
  express.use((err: unknown, req: Request, res: Response, _next: NextFunction) =>
    filter.respond(err, req, res),
  );
}
