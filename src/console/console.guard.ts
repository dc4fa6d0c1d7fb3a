import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { timingSafeEqual } from 'node:crypto';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Role } from '../common/auth/principal.js';
import { DomainError, forbidden } from '../common/errors.js';
import { AppConfig } from '../config/app-config.js';
import { RedisService } from '../database/redis.service.js';
import {
  CONSOLE_ANONYMOUS_KEY,
  CONSOLE_ROLES_KEY,
  ConsoleRequest,
  CSRF_FIELD,
  CSRF_HEADER,
  SESSION_COOKIE,
  SIGN_IN_CSRF_COOKIE,
  staffHasRole,
} from './console-auth.js';
import { StaffSessionsService } from './staff-sessions.service.js';

const SAFE_METHODS = new Set(['GET', 'HEAD']);

export function sameSecret(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function presentedCsrf(req: ConsoleRequest): string | undefined {
  const header = req.headers[CSRF_HEADER];
  if (typeof header === 'string') return header;
  const field = req.body?.[CSRF_FIELD];
  return typeof field === 'string' ? field : undefined;
}

export function consoleRateLimiter(
  redis: RedisService,
  config: AppConfig,
  name: string,
  points: number,
): RateLimiterRedis {
  const keyPrefix = `${config.get('QUEUE_PREFIX')}:rl:console:${name}`;
  return new RateLimiterRedis({
    storeClient: redis.client,
    keyPrefix,
    points,
    duration: 60,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({
      keyPrefix: `${keyPrefix}:mem`,
      points,
      duration: 60,
    }),
  });
}

export function rateLimited(res: RateLimiterRes, detail: string): DomainError {
  const seconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  return new DomainError('rate-limited', detail, undefined, { 'Retry-After': String(seconds) });
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
    try {
      await this.perSession.consume(staff.id);
    } catch (res) {
      if (res instanceof RateLimiterRes) throw rateLimited(res, 'Too many requests; slow down');
      throw res;
    }
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
