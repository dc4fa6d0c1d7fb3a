import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { RateLimiterRedis } from 'rate-limiter-flexible';
import { type BrowserGate, passBrowserGate } from '../common/web/browser-gate.js';
import { browserRateLimiter } from '../common/web/rate-limit.js';
import { AppConfig } from '../config/app-config.js';
import { RedisService } from '../database/redis.service.js';
import {
  PORTAL_ANONYMOUS_KEY,
  PORTAL_SESSION_COOKIE,
  PORTAL_SIGN_IN_CSRF_COOKIE,
  PortalRequest,
} from './portal-auth.js';
import type { TenantSessionEntity } from './entities/tenant-session.entity.js';
import { TenantSessionsService } from './tenant-sessions.service.js';

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
  private readonly gate: BrowserGate<TenantSessionEntity>;

  constructor(
    private readonly reflector: Reflector,
    sessions: TenantSessionsService,
    redis: RedisService,
    config: AppConfig,
  ) {
    this.gate = {
      sessionCookie: PORTAL_SESSION_COOKIE,
      signInCsrfCookie: PORTAL_SIGN_IN_CSRF_COOKIE,
      signInRequired: 'Sign in to use the tenant portal',
      authenticate: (token) => sessions.authenticate(token),
      perSession: portalRateLimiter(redis, config, 'session', config.get('RATE_LIMIT_PER_MINUTE')),
    };
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const req = context.switchToHttp().getRequest<PortalRequest>();
    const anonymous = this.reflector.getAllAndOverride<boolean>(PORTAL_ANONYMOUS_KEY, targets);
    await passBrowserGate(req, anonymous === true, this.gate, (s) => {
      req.tenantSession = s;
    });
    return true;
  }
}
