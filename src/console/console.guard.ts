import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { RateLimiterRedis } from 'rate-limiter-flexible';
import type { Role } from '../common/auth/principal.js';
import { forbidden } from '../common/errors.js';
import { type BrowserGate, passBrowserGate } from '../common/web/browser-gate.js';
import { browserRateLimiter } from '../common/web/rate-limit.js';
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
import type { StaffSessionEntity } from './entities/staff-session.entity.js';
import { StaffSessionsService } from './staff-sessions.service.js';

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
  private readonly gate: BrowserGate<StaffSessionEntity>;

  constructor(
    private readonly reflector: Reflector,
    sessions: StaffSessionsService,
    redis: RedisService,
    config: AppConfig,
  ) {
    this.gate = {
      sessionCookie: SESSION_COOKIE,
      signInCsrfCookie: SIGN_IN_CSRF_COOKIE,
      signInRequired: 'Sign in to use the console',
      authenticate: (token) => sessions.authenticate(token),
      perSession: consoleRateLimiter(redis, config, 'session', config.get('RATE_LIMIT_PER_MINUTE')),
    };
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const req = context.switchToHttp().getRequest<ConsoleRequest>();
    const anonymous = this.reflector.getAllAndOverride<boolean>(CONSOLE_ANONYMOUS_KEY, targets);
    const staff = await passBrowserGate(req, anonymous === true, this.gate, (s) => {
      req.staff = s;
    });
    if (!staff) return true;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(CONSOLE_ROLES_KEY, targets);
    if (!roles) throw forbidden('this console route declares no roles');
    if (!staffHasRole(staff, ...roles))
      throw forbidden(
        `This needs one of the roles ${['admin', ...roles].join(', ')}; ${staff.displayName} holds ${staff.roles.join(', ')}`,
      );
    return true;
  }
}
