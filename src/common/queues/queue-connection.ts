import type { ConnectionOptions } from 'bullmq';
import { Cluster } from 'ioredis';
import type { AppConfig } from '../../config/app-config.js';
import { createRedisClient } from '../redis-client.js';

/**
 * BullMQ's key prefix. On a Redis Cluster it is hash-tagged (`{herald}`), so that every key of
 * every queue lands in one slot, as BullMQ's multi-key scripts require; on one node it stays as
 * configured (the keys of a running installation do not move).
 */
export function queuePrefix(config: AppConfig): string {
  const prefix = config.get('QUEUE_PREFIX');
  return config.redis.cluster ? `{${prefix}}` : prefix;
}

/** A connection for BullMQ: options on one node; a cluster client (the caller closes it) on a cluster. */
export function queueConnection(config: AppConfig): ConnectionOptions {
  const target = config.redis;
  return target.cluster
    ? createRedisClient(target, { maxRetriesPerRequest: null })
    : { url: target.url, maxRetriesPerRequest: null };
}

/** Closes a connection queueConnection made, if it is a client (BullMQ leaves shared ones open). */
export async function closeQueueConnection(
  connection: ConnectionOptions | undefined,
): Promise<void> {
  if (connection instanceof Cluster) await connection.quit().catch(() => undefined);
}
