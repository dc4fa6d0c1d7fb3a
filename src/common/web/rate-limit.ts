import {
  type IRateLimiterRedisOptions,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { DomainError } from '../errors.js';

/**
 * A per-minute limiter of a browser surface, kept in Redis (`<prefix>:rl:<name>`), counting in
 * this process instead while Redis is away.
 */
export function browserRateLimiter(
  storeClient: IRateLimiterRedisOptions['storeClient'],
  queuePrefix: string,
  name: string,
  points: number,
): RateLimiterRedis {
  const keyPrefix = `${queuePrefix}:rl:${name}`;
  return new RateLimiterRedis({
    storeClient,
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

/** Consumes a point, turning "over the limit" into a 429 with Retry-After. */
export async function consumeOrRefuse(
  limiter: RateLimiterRedis,
  key: string,
  detail: string,
): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (res) {
    if (res instanceof RateLimiterRes) throw rateLimited(res, detail);
    throw res;
  }
}
