import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { createRedisClient, RedisClient } from '../common/redis-client.js';

/** One shared Redis connection for everything but BullMQ (rate limits, readiness, metrics). */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisService.name);
  /** One node or a cluster (REDIS_URL, REDIS_CLUSTER_NODES); every command here names one key. */
  readonly client: RedisClient;

  constructor(config: AppConfig) {
    this.client = createRedisClient(config.redis, {
      lazyConnect: false,
      maxRetriesPerRequest: 2,
      enableOfflineQueue: true,
    });
    this.client.on('error', (err: Error) =>
      this.logger.warn({ msg: 'redis connection error', error: err.message }),
    );
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.quit().catch(() => undefined);
  }
}
