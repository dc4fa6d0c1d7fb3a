import { Controller, Get, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { randomBytes } from 'node:crypto';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { ApiKeysService } from '../api-keys/api-keys.service.js';
import { Public } from '../common/auth/principal.js';
import { DomainError, forbidden } from '../common/errors.js';
import { AppConfig } from '../config/app-config.js';
import { RedisService } from '../database/redis.service.js';
import {
  ConsoleAnonymous,
  type ConsoleRequest,
  ConsoleRoles,
  OIDC_STATE_COOKIE,
  SESSION_COOKIE,
  SIGN_IN_CSRF_COOKIE,
  Staff,
} from './console-auth.js';
import { ConsoleErrorFilter } from './console-error.filter.js';
import { cookieOptions } from '../common/web/csrf.js';
import { rateLimited } from '../common/web/rate-limit.js';
import { consoleRateLimiter, ConsoleGuard } from './console.guard.js';
import { ConsoleViews } from './console-views.service.js';
import { opensConsole } from './domain/role-map.js';
import type { StaffSessionEntity } from './entities/staff-session.entity.js';
import { OidcService } from './oidc.service.js';
import { StaffIdentity, StaffSessionsService } from './staff-sessions.service.js';

const SIGN_IN_REASONS: Record<string, string> = {
  required: 'Sign in to use the console',
  ended: 'Your session has ended; sign in again',
  'signed-out': 'You have signed out',
};

/** Sign-in (OIDC, or an API key where enabled) and sign-out. */
@ApiExcludeController()
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleErrorFilter)
@Controller('console')
export class ConsoleAuthController {
  private readonly failures: RateLimiterRedis;

  constructor(
    private readonly views: ConsoleViews,
    private readonly sessions: StaffSessionsService,
    private readonly oidc: OidcService,
    private readonly keys: ApiKeysService,
    private readonly config: AppConfig,
    redis: RedisService,
  ) {
    this.failures = consoleRateLimiter(
      redis,
      config,
      'signin-fail',
      config.get('AUTH_FAILURES_PER_MINUTE'),
    );
  }

  @Get()
  @ConsoleAnonymous()
  home(@Res() res: Response): void {
    res.redirect(303, '/console/incidents');
  }

  @Get('sign-in')
  @ConsoleAnonymous()
  signInPage(@Req() req: ConsoleRequest, @Res() res: Response): void {
    const csrf = randomBytes(24).toString('base64url');
    res.cookie(SIGN_IN_CSRF_COOKIE, csrf, cookieOptions(3_600_000));
    const code = typeof req.query.reason === 'string' ? req.query.reason : '';
    const reason = Object.hasOwn(SIGN_IN_REASONS, code) ? SIGN_IN_REASONS[code] : null;
    res.type('text/html').send(
      this.views.page(
        'sign-in',
        {
          csrf,
          reason,
          oidc: this.oidc.enabled,
          keySignIn: this.config.get('CONSOLE_KEY_SIGN_IN'),
        },
        { title: 'Sign in' },
      ),
    );
  }

  @Post('sign-in/key')
  @ConsoleAnonymous()
  async signInWithKey(@Req() req: ConsoleRequest, @Res() res: Response): Promise<void> {
    if (!this.config.get('CONSOLE_KEY_SIGN_IN'))
      throw forbidden('Sign-in with an API key is switched off here (CONSOLE_KEY_SIGN_IN=false)');
    const address = req.ip ?? 'unknown';
    const blocked = await this.failures.get(address).catch(() => null);
    if (blocked && blocked.remainingPoints <= 0)
      throw rateLimited(blocked, 'Too many failed sign-ins from this address; try again later');
    const presented = typeof req.body?.apiKey === 'string' ? req.body.apiKey.trim() : '';
    const principal = presented ? await this.keys.authenticate(presented) : null;
    if (!principal) {
      await this.failures.consume(address).catch((e: unknown) => {
        if (!(e instanceof RateLimiterRes)) throw e;
      });
      throw new DomainError('unauthorized', 'The API key is unknown, revoked or expired');
    }
    if (!opensConsole(principal.roles))
      throw forbidden(
        principal.roles.includes('tenant')
          ? 'A tenant key never opens the console'
          : 'This key holds no role that opens the console (comms, auditor or admin)',
      );
    // person:… is how people are recorded: a key named so must not pass for one.
    if (principal.name.startsWith('person:'))
      throw forbidden('A key named "person:…" cannot open the console; rename it');
    await this.begin(res, {
      actor: principal.name,
      subject: `api-key:${principal.keyId}`,
      displayName: `${principal.name} (API key)`,
      roles: principal.roles,
      method: 'api-key',
      apiKeyId: principal.keyId,
    });
  }

  @Get('auth/oidc')
  @ConsoleAnonymous()
  async startOidc(@Res() res: Response): Promise<void> {
    if (!this.oidc.enabled)
      throw new DomainError('not-found', 'Single sign-on is not configured (OIDC_ISSUER)');
    const { url, state } = await this.oidc.begin();
    res.cookie(OIDC_STATE_COOKIE, state, cookieOptions(600_000));
    res.redirect(303, url);
  }

  @Get('auth/callback')
  @ConsoleAnonymous()
  async oidcCallback(@Req() req: ConsoleRequest, @Res() res: Response): Promise<void> {
    if (!this.oidc.enabled)
      throw new DomainError('not-found', 'Single sign-on is not configured (OIDC_ISSUER)');
    const error = req.query.error;
    if (typeof error === 'string')
      throw new DomainError(
        'unauthorized',
        `The identity provider refused the sign-in (${error.slice(0, 100)})`,
      );
    const callback = new URL(req.originalUrl, this.oidc.redirectUri);
    const identity = await this.oidc.complete(callback, req.cookies[OIDC_STATE_COOKIE]);
    res.clearCookie(OIDC_STATE_COOKIE, cookieOptions());
    await this.begin(res, identity);
  }

  @Post('sign-out')
  @ConsoleRoles('admin', 'comms', 'auditor', 'reporter')
  async signOut(@Staff() staff: StaffSessionEntity, @Res() res: Response): Promise<void> {
    await this.sessions.end(staff);
    res.clearCookie(SESSION_COOKIE, cookieOptions());
    // A single-sign-on session also ends at the identity provider, which then sends the
    // browser back to the sign-in page; otherwise the next "sign in" would pass straight through.
    const idp =
      staff.method === 'oidc'
        ? await this.oidc.endSessionUrl(staff.idToken, this.oidc.postLogoutRedirectUri)
        : null;
    res.redirect(303, idp ?? '/console/sign-in?reason=signed-out');
  }

  private async begin(res: Response, identity: StaffIdentity): Promise<void> {
    const { token } = await this.sessions.start(identity);
    res.cookie(SESSION_COOKIE, token, cookieOptions(this.sessions.policy.absoluteMs));
    res.clearCookie(SIGN_IN_CSRF_COOKIE, cookieOptions());
    res.redirect(303, '/console/incidents');
  }
}
