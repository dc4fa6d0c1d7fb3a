import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { createHttpApp, createLogger, migrateIfConfigured } from './app.factory.js';
import { AppConfig, ConfigError, loadConfig } from './config/app-config.js';
import { warnOnRedisEvictionPolicy } from './database/redis-policy.js';

async function bootstrap(config: AppConfig): Promise<void> {
  const started = performance.now();
  const logger = createLogger(config);
  await warnOnRedisEvictionPolicy(config.redis, logger);
  const role = config.get('HERALD_ROLE');
  if (role === 'worker' && !config.get('WORKER_HTTP')) {
    await migrateIfConfigured(config, logger);
    const ctx = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger });
    ctx.enableShutdownHooks();
    logger.log({ msg: 'herald worker started', role, ms: Math.round(performance.now() - started) });
    return;
  }
  // A worker still serves /health and /metrics (no /v1 routes) so it can be probed and scraped.
  const app = await createHttpApp(config, logger);
  await app.listen(config.get('PORT'), config.get('HOST'));
  logger.log({
    msg: 'herald started',
    role,
    port: config.get('PORT'),
    ms: Math.round(performance.now() - started),
  });
}

let config: AppConfig;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`herald: ${err.message}\n`);
    process.exit(78);
  }
  throw err;
}
bootstrap(config).catch((err: unknown) => {
  process.stderr.write(
    `herald: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
