import type { LoggerService } from '@nestjs/common';
import { Redis } from 'ioredis';

/** BullMQ loses jobs when Redis evicts keys: warn unless maxmemory-policy is noeviction. */
export async function warnOnRedisEvictionPolicy(
  url: string,
  logger: LoggerService,
): Promise<string | null> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const reply = (await client.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1] ?? null;
    if (policy !== 'noeviction') {
      logger.warn({
        msg: `Redis maxmemory-policy is ${policy}, not noeviction: queued jobs may be evicted and lost`,
        policy,
      });
    }
    return policy;
  } catch (err) {
    logger.warn({
      msg: 'could not read Redis maxmemory-policy (CONFIG may be disabled)',
      error: (err as Error).message,
    });
    return null;
  } finally {
    client.disconnect();
  }
}
