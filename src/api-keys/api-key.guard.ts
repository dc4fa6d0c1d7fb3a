import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import {
  AuthenticatedRequest,
  hasRole,
  Principal,
  PUBLIC_KEY,
  Role,
  ROLES_KEY,
} from '../common/auth/principal.js';
import { DomainError, forbidden } from '../common/errors.js';
import { AppConfig } from '../config/app-config.js';
import { RedisService } from '../database/redis.service.js';
import { ApiKeysService } from './api-keys.service.js';

function rateLimited(res: RateLimiterRes, detail: string): DomainError {
  const seconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  return new DomainError('rate-limited', detail, undefined, { 'Retry-After': String(seconds) });
}

/**
 * Every route needs a live API key unless marked @Public(), and one of the route's roles.
 * Limits: requests per key per minute, and failed authentications per client address (the
 * address Express derives under TRUST_PROXY).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly logger = new Logger(ApiKeyGuard.name);
  private readonly perKey: RateLimiterRedis;
  private readonly authFailures: RateLimiterRedis;

  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
    redis: RedisService,
    config: AppConfig,
  ) {
    const prefix = config.get('QUEUE_PREFIX');
    this.perKey = new RateLimiterRedis({
      storeClient: redis.client,
      keyPrefix: `${prefix}:rl:key`,
      points: config.get('RATE_LIMIT_PER_MINUTE'),
      duration: 60,
      rejectIfRedisNotReady: true,
      // Redis down: count in this process instead, rather than refusing every request.
      insuranceLimiter: new RateLimiterMemory({
        keyPrefix: `${prefix}:rl:key:mem`,
        points: config.get('RATE_LIMIT_PER_MINUTE'),
        duration: 60,
      }),
    });
    this.authFailures = new RateLimiterRedis({
      storeClient: redis.client,
      keyPrefix: `${prefix}:rl:authfail`,
      points: config.get('AUTH_FAILURES_PER_MINUTE'),
      duration: 60,
      blockDuration: 60,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({
        keyPrefix: `${prefix}:rl:authfail:mem`,
        points: config.get('AUTH_FAILURES_PER_MINUTE'),
        duration: 60,
        blockDuration: 60,
      }),
    });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    // /v1 requests were authenticated before their body was read (authenticateFirst).
    const principal = (req.principal ??= await this.authenticate(req));
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (!roles) throw forbidden('this route is not open to API keys');
    if (!hasRole(principal, ...roles)) {
      throw forbidden(
        `this route needs one of the roles ${['admin', ...roles.filter((r) => r !== 'admin')].join(', ')}`,
      );
    }
    return true;
  }

  /**
   * The caller's principal, or a 401 (429 when its key or address is over a limit). The key is
   * checked first: a valid key is never refused for failures others sent from its address.
   */
  async authenticate(req: Request): Promise<Principal> {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer ([^\s]+)$/i.exec(header);
    const principal = match ? await this.keys.authenticate(match[1]) : null;
    if (!principal) {
      const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
      const blocked = await this.authFailures.get(address).catch(() => null);
      if (blocked && blocked.remainingPoints <= 0) {
        throw rateLimited(
          blocked,
          'Too many failed authentications from this address; try again later',
        );
      }
      await this.authFailures.consume(address).catch((res: unknown) => {
        if (res instanceof RateLimiterRes)
          this.logger.warn({ msg: 'authentication failures over limit', address });
      });
      throw new DomainError(
        'unauthorized',
        match
          ? 'The API key is unknown, revoked or expired'
          : 'Send an API key as "Authorization: Bearer <key>"',
        undefined,
        { 'WWW-Authenticate': 'Bearer realm="herald"' },
      );
    }
    try {
      await this.perKey.consume(principal.keyId);
    } catch (res) {
      if (res instanceof RateLimiterRes)
        throw rateLimited(res, 'Too many requests for this API key; slow down');
      throw res;
    }
    return principal;
  }
}
