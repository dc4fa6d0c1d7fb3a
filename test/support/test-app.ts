import 'reflect-metadata';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import request from 'supertest';
type TestAgent = ReturnType<typeof request>;
import { createHttpApp } from '../../src/app.factory.js';
import type { AppOptions } from '../../src/app.module.js';
import { AppConfig, loadConfig } from '../../src/config/app-config.js';
import { expectConformant } from './api-client.js';
import { createTestDatabase } from './databases.js';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestApp {
  app: NestExpressApplication;
  http: TestAgent;
  config: AppConfig;
  adminKey: string;
  databaseUrl: string;
  queuePrefix: string;
  /** Creates an API key through the API and returns its secret. */
  key(roles: string[], tenantId?: string, name?: string): Promise<string>;
  close(): Promise<void>;
}

export function testEnv(
  databaseUrl: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: `t${randomBytes(5).toString('hex')}`,
    ADMIN_API_KEY: `test-admin-${randomBytes(16).toString('hex')}`,
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    RUN_MIGRATIONS: 'false',
    DELIVERY_RETRY_BASE_MS: '50',
    OUTBOX_DIR: mkdtempSync(join(tmpdir(), 'herald-outbox-')),
    RATE_LIMIT_PER_MINUTE: '100000',
    AUTH_FAILURES_PER_MINUTE: '100000',
    // One process per test app: the suite runs many apps side by side.
    DELIVERY_PROCESSES: '1',
    // No verification mail in the sinks of specs that count messages; the contact specs turn it on.
    CONTACT_SWEEP_INTERVAL_MS: '0',
    // Webhook signing secrets sealed, as in production (unset, every app boot warns).
    WEBHOOK_SECRET_KEY: `test-webhook-${randomBytes(16).toString('hex')}`,
    ...overrides,
  };
}

/** The whole app over HTTP, on its own database and queue prefix. */
export async function startTestApp(
  overrides: Record<string, string> = {},
  options: AppOptions = {},
): Promise<TestApp> {
  const db = await createTestDatabase();
  const env = testEnv(db.url, overrides);
  const config = loadConfig(env);
  const app = await createHttpApp(config, undefined, options);
  // A fixed PORT when the test needs to know its address up front (an OIDC redirect URI).
  await app.listen(Number(overrides.PORT ?? 0), '127.0.0.1');
  const http = request(app.getHttpServer());
  const adminKey = env.ADMIN_API_KEY;
  let n = 0;
  return {
    app,
    http,
    config,
    adminKey,
    databaseUrl: db.url,
    queuePrefix: env.QUEUE_PREFIX,
    async key(roles, tenantId, name) {
      const res = await http
        .post('/v1/api-keys')
        .set('Authorization', `Bearer ${adminKey}`)
        .send({
          name: name ?? `${roles.join('-')}-${++n}`,
          roles,
          ...(tenantId ? { tenantId } : {}),
        });
      if (res.status !== 201)
        throw new Error(`creating key failed: ${res.status} ${JSON.stringify(res.body)}`);
      return (res.body as { key: string }).key;
    },
    async close() {
      await app.close();
      await clearQueues(env.QUEUE_PREFIX);
      await db.drop();
    },
  };
}

export async function clearQueues(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

/** Polls until `check` returns a value (not undefined) or the time runs out. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met in ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Every page of a list (`{items, nextCursor}`), following nextCursor with `limit` per page: each
 * page answered 200 as the OpenAPI document says, with at most `limit` items. Stops after 100
 * pages (a cursor that loops).
 */
export async function allPages<T>(
  t: TestApp,
  path: string,
  key: string,
  limit: number,
): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | null = null;
  do {
    const res = await t.http
      .get(path)
      .query({ limit, ...(cursor ? { cursor } : {}) })
      .set(bearer(key));
    expect(res.status).toBe(200);
    await expectConformant(t, res);
    const page = res.body as { items: T[]; nextCursor: string | null };
    expect(page.items.length).toBeLessThanOrEqual(limit);
    pages.push(page.items);
    cursor = page.nextCursor;
  } while (cursor && pages.length < 100);
  return pages;
}
