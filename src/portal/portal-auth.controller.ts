import { Controller, Get, Logger, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { randomBytes } from 'node:crypto';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { z } from 'zod';
import { ApiKeysService } from '../api-keys/api-keys.service.js';
import { Public } from '../common/auth/principal.js';
import { DomainError, forbidden } from '../common/errors.js';
import { cookieOptions } from '../common/web/csrf.js';
import { consumeOrRefuse, rateLimited } from '../common/web/rate-limit.js';
import { AppConfig } from '../config/app-config.js';
import { RedisService } from '../database/redis.service.js';
import type { TenantSessionEntity } from './entities/tenant-session.entity.js';
import {
  PORTAL_SESSION_COOKIE,
  PORTAL_SIGN_IN_CSRF_COOKIE,
  PortalAnonymous,
  type PortalRequest,
  TenantSession,
} from './portal-auth.js';
import { PortalErrorFilter } from './portal-error.filter.js';
import { PortalViews } from './portal-views.service.js';
import { portalRateLimiter, PortalGuard } from './portal.guard.js';
import { SignInLinksService } from './sign-in-links.service.js';
import { TenantSessionsService } from './tenant-sessions.service.js';
import { takeReturnPath } from './portal-return.js';

const SIGN_IN_REASONS: Record<string, string> = {
  required: 'Sign in to use the tenant portal',
  ended: 'Your session has ended; sign in again',
  'signed-out': 'You have signed out',
  sent: 'If that address is a notice contact on file, a sign-in link is on its way. It works once, for a short time.',
};

const emailField = z.email().max(254);
// Mails per minute to one address, whoever asks: nobody can flood a contact's mailbox.
const LINKS_PER_ADDRESS = 3;
const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

/** Sign-in by a one-time link mailed to a notice contact, or with the tenant's API key; sign-out. */
@ApiExcludeController()
@Public()
@UseGuards(PortalGuard)
@UseFilters(PortalErrorFilter)
@Controller('portal')
export class PortalAuthController {
  private readonly logger = new Logger(PortalAuthController.name);
  private readonly failures: RateLimiterRedis;
  private readonly linkRequests: RateLimiterRedis;
  private readonly linksPerAddress: RateLimiterRedis;

  constructor(
    private readonly views: PortalViews,
    private readonly sessions: TenantSessionsService,
    private readonly links: SignInLinksService,
    private readonly keys: ApiKeysService,
    config: AppConfig,
    redis: RedisService,
  ) {
    const limit = config.get('AUTH_FAILURES_PER_MINUTE');
    this.failures = portalRateLimiter(redis, config, 'signin-fail', limit);
    this.linkRequests = portalRateLimiter(redis, config, 'link-request', limit);
    this.linksPerAddress = portalRateLimiter(redis, config, 'link-address', LINKS_PER_ADDRESS);
  }

  @Get()
  @PortalAnonymous()
  home(@Res() res: Response): void {
    res.redirect(303, '/portal/notices');
  }

  @Get('sign-in')
  @PortalAnonymous()
  signInPage(@Req() req: PortalRequest, @Res() res: Response): void {
    const code = typeof req.query.reason === 'string' ? req.query.reason : '';
    const reason = Object.hasOwn(SIGN_IN_REASONS, code) ? SIGN_IN_REASONS[code] : null;
    this.anonymousPage(res, 'sign-in', { reason }, 'Sign in');
  }

  @Post('sign-in/email')
  @PortalAnonymous()
  async requestLink(@Req() req: PortalRequest, @Res() res: Response): Promise<void> {
    await consumeOrRefuse(
      this.linkRequests,
      req.ip ?? 'unknown',
      'Too many sign-in links asked from this address; try again later',
    );
    const parsed = emailField.safeParse(text(req.body?.email));
    if (!parsed.success) {
      res.status(400);
      this.anonymousPage(
        res,
        'sign-in',
        { emailError: 'Enter an email address', email: text(req.body?.email) },
        'Sign in',
      );
      return;
    }
    // Over the address's limit nothing is sent, and the answer says nothing different.
    const allowed = await this.linksPerAddress.consume(parsed.data.toLowerCase()).then(
      () => true,
      () => false,
    );
    // Not awaited: the answer (and its timing) is the same whether the address is on file or not.
    if (allowed)
      void this.links.request(parsed.data).catch((err: unknown) =>
        this.logger.warn({
          msg: 'portal sign-in link not sent',
          error: err instanceof Error ? err.message : String(err),
        }),
      );
    res.redirect(303, '/portal/sign-in?reason=sent');
  }

  @Get('sign-in/link')
  @PortalAnonymous()
  linkPage(@Req() req: PortalRequest, @Res() res: Response): void {
    // A page with a button, not a sign-in on GET: mail scanners that open links use nothing up.
    this.anonymousPage(
      res,
      'sign-in-link',
      { tenant: text(req.query.tenant), token: text(req.query.token) },
      'Sign in',
    );
  }

  @Post('sign-in/link')
  @PortalAnonymous()
  async useLink(@Req() req: PortalRequest, @Res() res: Response): Promise<void> {
    const address = req.ip ?? 'unknown';
    await this.refuseIfBlocked(address);
    const started = await this.links.consume(text(req.body?.tenant), text(req.body?.token));
    if (!started) {
      await this.countFailure(address);
      throw new DomainError(
        'unauthorized',
        'This sign-in link is not valid: it was used already, has expired, or is not for this tenant. Ask for a new one.',
      );
    }
    this.begin(req, res, started.token);
  }

  @Post('sign-in/key')
  @PortalAnonymous()
  async signInWithKey(@Req() req: PortalRequest, @Res() res: Response): Promise<void> {
    const address = req.ip ?? 'unknown';
    await this.refuseIfBlocked(address);
    const presented = text(req.body?.apiKey);
    const principal = presented ? await this.keys.authenticate(presented) : null;
    if (!principal) {
      await this.countFailure(address);
      throw new DomainError('unauthorized', 'The API key is unknown, revoked or expired');
    }
    if (
      !principal.roles.includes('tenant') ||
      principal.tenantId === null ||
      principal.roles.some((r) => r !== 'tenant')
    )
      throw forbidden('Only a tenant key opens the portal; staff sign in to the console');
    const { token } = await this.sessions.start({
      tenantId: principal.tenantId,
      actor: principal.name,
      subject: `api-key:${principal.keyId}`,
      displayName: `${principal.name} (API key)`,
      method: 'api-key',
      apiKeyId: principal.keyId,
    });
    this.begin(req, res, token);
  }

  @Post('sign-out')
  async signOut(
    @TenantSession() session: TenantSessionEntity,
    @Res() res: Response,
  ): Promise<void> {
    await this.sessions.end(session);
    res.clearCookie(PORTAL_SESSION_COOKIE, cookieOptions());
    res.redirect(303, '/portal/sign-in?reason=signed-out');
  }

  private anonymousPage(
    res: Response,
    name: string,
    data: Record<string, unknown>,
    title: string,
  ): void {
    const csrf = randomBytes(24).toString('base64url');
    res.cookie(PORTAL_SIGN_IN_CSRF_COOKIE, csrf, cookieOptions(3_600_000));
    res.type('text/html').send(this.views.page(name, { ...data, csrf }, { title }));
  }

  private async refuseIfBlocked(address: string): Promise<void> {
    const blocked = await this.failures.get(address).catch(() => null);
    if (blocked && blocked.remainingPoints <= 0)
      throw rateLimited(blocked, 'Too many failed sign-ins from this address; try again later');
  }

  private async countFailure(address: string): Promise<void> {
    await this.failures.consume(address).catch((e: unknown) => {
      if (!(e instanceof RateLimiterRes)) throw e;
    });
  }

  private begin(req: PortalRequest, res: Response, token: string): void {
    res.cookie(PORTAL_SESSION_COOKIE, token, cookieOptions(this.sessions.policy.absoluteMs));
    res.clearCookie(PORTAL_SIGN_IN_CSRF_COOKIE, cookieOptions());
    // Back to the notice check that sent them here signed out (portal-return.ts), else the notices.
    res.redirect(303, takeReturnPath(req, res));
  }
}
