import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createHttpApp, createLogger } from '../src/app.factory.js';
import { loadConfig } from '../src/config/app-config.js';
import { APP_ROOT } from '../src/config/paths.js';
import { createScratchDatabase } from './scratch-database.js';

// Boots Herald as in production (migrations, every module) on a scratch database and saves what
// outside tools check: the OpenAPI document (var/openapi.json) and a scrape of /metrics
// (var/metrics.txt). .ci/run hands them to redocly, swagger-parser and promtool.
async function main(): Promise<void> {
  const scratch = await createScratchDatabase(loadConfig().get('DATABASE_URL'), 'snapshot');
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: scratch.url,
    RUN_MIGRATIONS: 'true',
    QUEUE_PREFIX: `snapshot${randomBytes(4).toString('hex')}`,
    ADMIN_API_KEY: `snapshot-${randomBytes(16).toString('hex')}`,
    LOG_LEVEL: 'error',
    OUTBOX_DIR: resolve(APP_ROOT, 'var/snapshot-outbox'),
  });
  const app = await createHttpApp(config, createLogger(config));
  try {
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address() as { port: number };
    const origin = `http://127.0.0.1:${address.port}`;
    // One API call first, so the HTTP histograms have series to check.
    await fetch(`${origin}/health/ready`);
    const [document, metrics] = await Promise.all([
      fetch(`${origin}/docs-json`).then((r) => r.text()),
      fetch(`${origin}/metrics`).then((r) => r.text()),
    ]);
    const out = resolve(APP_ROOT, 'var');
    mkdirSync(out, { recursive: true });
    writeFileSync(
      resolve(out, 'openapi.json'),
      `${JSON.stringify(JSON.parse(document), null, 2)}\n`,
    );
    writeFileSync(resolve(out, 'metrics.txt'), metrics);
    process.stdout.write(`wrote var/openapi.json and var/metrics.txt from ${origin}\n`);
  } finally {
    await app.close();
    await scratch.drop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`snapshot failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
