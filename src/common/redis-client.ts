import { Cluster, Redis, RedisOptions } from 'ioredis';
import type { RedisTarget } from '../config/redis-target.js';

/** A single Redis node or a Redis Cluster: what every Redis use in Herald is given. */
export type RedisClient = Redis | Cluster;

/** A new client for the target; options apply to every node of a cluster. */
export function createRedisClient(target: RedisTarget, options: RedisOptions = {}): RedisClient {
  if (!target.cluster) return new Redis(target.url, options);
  return new Cluster(target.nodes, {
    redisOptions: {
      ...options,
      username: target.username,
      password: target.password,
      ...(target.tls ? { tls: {} } : {}),
    },
    // Follow MOVED/ASK and failovers: retry while the cluster elects a new master.
    clusterRetryStrategy: (times) => Math.min(100 * times, 2000),
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 300,
    retryDelayOnTryAgain: 200,
    slotsRefreshTimeout: 2000,
    lazyConnect: options.lazyConnect,
    enableOfflineQueue: options.enableOfflineQueue ?? true,
  });
}
