import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { Role } from '../common/auth/principal.js';
import { DomainError, forbidden } from '../common/errors.js';
import { presentedCsrf, sameSecret } from '../common/web/csrf.js';
import { browserRateLimiter, consumeOrRefuse } from '../common/web/rate-limit.js';
import { AppConfig } from '../config/app-config.js';
import { RedisService } from '../database/redis.service.js';
import {
  CONSOLE_ANONYMOUS_KEY,
  CONSOLE_ROLES_KEY,
  ConsoleRequest,
  SESSION_COOKIE,
  SIGN_IN_CSRF_COOKIE,
  staffHasRole,
} from './console-auth.js';
import { StaffSessionsService } from './staff-sessions.service.js';

const SAFE_METHODS = new Set(['GET', 'HEAD']);

export function consoleRateLimiter(
  redis: RedisService,
  config: AppConfig,
  name: string,
  points: number,
): RateLimiterRedis {
  return browserRateLimiter(redis.client, config.get('QUEUE_PREFIX'), `console:${name}`, points);
}

/**
 * Every console page and action: a live session (cookie), the route's roles, the session's CSRF
 * token on anything that changes state, and the API's per-caller rate limit.
 */
@Injectable()
export class ConsoleGuard implements CanActivate {
  private readonly perSession: RateLimiterRedis;

  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: StaffSessionsService,
    redis: RedisService,
    config: AppConfig,
  ) {
    this.perSession = consoleRateLimiter(
      redis,
      config,
      'session',
      config.get('RATE_LIMIT_PER_MINUTE'),
    );
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const req = context.switchToHttp().getRequest<ConsoleRequest>();
    const unsafe = !SAFE_METHODS.has(req.method);
    if (this.reflector.getAllAndOverride<boolean>(CONSOLE_ANONYMOUS_KEY, targets)) {
      if (unsafe && !sameSecret(presentedCsrf(req), req.cookies[SIGN_IN_CSRF_COOKIE]))
        throw forbidden(
          'The form is out of date or was not sent from Herald; reload the page and try again',
        );
      return true;
    }
    const token = req.cookies[SESSION_COOKIE];
    const staff = token ? await this.sessions.authenticate(token) : null;
    if (!staff)
      throw new DomainError(
        'unauthorized',
        token ? 'Your session has ended; sign in again' : 'Sign in to use the console',
      );
    await consumeOrRefuse(this.perSession, staff.id, 'Too many requests; slow down');
    req.staff = staff;
    if (unsafe && !sameSecret(presentedCsrf(req), staff.csrfToken))
      throw forbidden(
        'The form is out of date or was not sent from Herald (CSRF check); reload the page and try again',
      );
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(CONSOLE_ROLES_KEY, targets);
    if (!roles) throw forbidden('this console route declares no roles');
    if (!staffHasRole(staff, ...roles))
      throw forbidden(
        `This needs one of the roles ${['admin', ...roles].join(', ')}; ${staff.displayName} holds ${staff.roles.join(', ')}`,
      );
    return true;
  }
}
