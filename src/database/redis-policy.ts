import type { LoggerService } from '@nestjs/common';
import { Cluster } from 'ioredis';
import { createRedisClient } from '../common/redis-client.js';
import type { RedisTarget } from '../config/redis-target.js';

/**
 * BullMQ loses jobs when Redis evicts keys: warn unless maxmemory-policy is noeviction (on a
 * cluster, on every master). Returns the first policy that is not noeviction, or noeviction.
 */
export async function warnOnRedisEvictionPolicy(
  target: RedisTarget,
  logger: LoggerService,
): Promise<string | null> {
  const client = createRedisClient(target, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const nodes = client instanceof Cluster ? client.nodes('master') : [client];
    let policy: string | null = null;
    for (const node of nodes) {
      const reply = (await node.config('GET', 'maxmemory-policy')) as string[];
      policy = reply[1] ?? null;
      if (policy !== 'noeviction') {
        logger.warn({
          msg: `Redis maxmemory-policy is ${policy}, not noeviction: queued jobs may be evicted and lost`,
          policy,
          node: `${node.options.host}:${node.options.port}`,
        });
        return policy;
      }
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
