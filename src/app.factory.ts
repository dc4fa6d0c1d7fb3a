import { ConsoleLogger, INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { isUtf8 } from 'node:buffer';
import { AppModule, type AppOptions } from './app.module.js';
import { MetricsService } from './common/metrics/metrics.service.js';
import { consoleHttp, isConsolePath } from './console/console-http.js';
import { ProblemFilter } from './common/problem.filter.js';
import { AppConfig } from './config/app-config.js';
import { runMigrations } from './database/migrate.js';

const BODY_LIMIT = '1mb';
// A bulk call may carry 10,000 tenants (API.md): at a few hundred bytes each that is well over 1 MB.
const BULK_BODY_LIMIT = '32mb';
// An incident's scope may list 100,000 tenant ids: 2.5 MB holds that many ids of up to 20
// characters, while a 3 MB body is still refused (longer ids: widen the scope in several PATCHes).
const INCIDENT_BODY_LIMIT = '2.5mb';

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
  app.set('trust proxy', config.get('TRUST_PROXY'));
  app.disable('x-powered-by');
  app.use(
    helmet({
      // Swagger UI needs inline scripts and styles on /docs; everything else is JSON.
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'", "'unsafe-inline'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
        },
      },
      strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    }),
  );
  // API answers carry secrets (a new key is shown once) and tenant data: no cache may keep them.
  // The tenant feed sets its own policy (private, revalidated with its ETag).
  app.use('/v1', (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  if (!config.runsApi) {
    // A worker process serves /health and /metrics only.
    app.use('/v1', (req: Request, res: Response) => {
      res
        .status(404)
        .type('application/problem+json')
        .send(
          JSON.stringify({
            type: 'https://herald.dev/problems/not-found',
            title: 'Not found',
            status: 404,
            detail: 'This Herald process runs workers only (HERALD_ROLE=worker)',
            instance: req.originalUrl.split('?')[0],
          }),
        );
    });
  }
  // ---- The review console: cookies, HTML forms and its own CSP (no 'unsafe-inline'). ----
  if (config.runsApi) app.use('/console', ...consoleHttp());
  // ---- end of the console block ----
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
  app.use((req: Request, _res: Response, next: NextFunction) => {
    const hasBody =
      Number(req.headers['content-length'] ?? 0) > 0 ||
      req.headers['transfer-encoding'] !== undefined;
    if (
      hasBody &&
      ['POST', 'PUT', 'PATCH'].includes(req.method) &&
      !req.is(['application/json', 'application/*+json']) &&
      !isConsolePath(req.path)
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
    next();
  });
  const json = (limit: string) =>
    express.json({
      limit,
      strict: true,
      type: ['application/json', 'application/*+json'],
      verify: (_req: unknown, _res: unknown, buf: Buffer) => {
        if (!isUtf8(buf)) throw new BodyEncodingError();
      },
    });
  const bulkJson = json(BULK_BODY_LIMIT);
  app.use('/v1/tenants/bulk', (req: Request, res: Response, next: NextFunction) =>
    req.method === 'POST' ? bulkJson(req, res, next) : next(),
  );
  const incidentJson = json(INCIDENT_BODY_LIMIT);
  app.use('/v1/incidents', (req: Request, res: Response, next: NextFunction) =>
    // POST /v1/incidents and PATCH /v1/incidents/{id}: the routes that carry a scope.
    (req.method === 'POST' && (req.path === '/' || req.path === '')) ||
    (req.method === 'PATCH' && /^\/[^/]+\/?$/.test(req.path))
      ? incidentJson(req, res, next)
      : next(),
  );
  app.use(json(BODY_LIMIT));

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Herald')
      .setDescription(
        'Notify tenants of security incidents: affected tenants, regulatory deadlines, reviewed notices, delivery with proof.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

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
  express.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const problem = filter.toProblem(err, req);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  });
}
