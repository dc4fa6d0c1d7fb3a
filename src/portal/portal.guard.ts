import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { DomainError, forbidden } from '../common/errors.js';
import { presentedCsrf, sameSecret } from '../common/web/csrf.js';
import { browserRateLimiter, consumeOrRefuse } from '../common/web/rate-limit.js';
import { AppConfig } from '../config/app-config.js';
import { RedisService } from '../database/redis.service.js';
import {
  PORTAL_ANONYMOUS_KEY,
  PORTAL_SESSION_COOKIE,
  PORTAL_SIGN_IN_CSRF_COOKIE,
  PortalRequest,
} from './portal-auth.js';
import { TenantSessionsService } from './tenant-sessions.service.js';

const SAFE_METHODS = new Set(['GET', 'HEAD']);

export function portalRateLimiter(
  redis: RedisService,
  config: AppConfig,
  name: string,
  points: number,
): RateLimiterRedis {
  return browserRateLimiter(redis.client, config.get('QUEUE_PREFIX'), `portal:${name}`, points);
}

/**
 * Every portal page and action: a live tenant session (cookie), its CSRF token on anything that
 * changes state, and the per-caller rate limit. The session's tenant is the only one a route
 * may touch: routes take it from the session, never from the request.
 */
@Injectable()
export class PortalGuard implements CanActivate {
  private readonly perSession: RateLimiterRedis;

  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: TenantSessionsService,
    redis: RedisService,
    config: AppConfig,
  ) {
    this.perSession = portalRateLimiter(
      redis,
      config,
      'session',
      config.get('RATE_LIMIT_PER_MINUTE'),
    );
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const req = context.switchToHttp().getRequest<PortalRequest>();
    const unsafe = !SAFE_METHODS.has(req.method);
    if (this.reflector.getAllAndOverride<boolean>(PORTAL_ANONYMOUS_KEY, targets)) {
      if (unsafe && !sameSecret(presentedCsrf(req), req.cookies[PORTAL_SIGN_IN_CSRF_COOKIE]))
        throw forbidden(
          'The form is out of date or was not sent from Herald; reload the page and try again',
        );
      return true;
    }
    const token = req.cookies[PORTAL_SESSION_COOKIE];
    const session = token ? await this.sessions.authenticate(token) : null;
    if (!session)
      throw new DomainError(
        'unauthorized',
        token ? 'Your session has ended; sign in again' : 'Sign in to use the tenant portal',
      );
    await consumeOrRefuse(this.perSession, session.id, 'Too many requests; slow down');
    req.tenantSession = session;
    if (unsafe && !sameSecret(presentedCsrf(req), session.csrfToken))
      throw forbidden(
        'The form is out of date or was not sent from Herald (CSRF check); reload the page and try again',
      );
    return true;
  }
}
