import { Redis } from 'ioredis';
import { expectProblem } from '../support/security.js';
import { bearer, startTestApp, TEST_REDIS_URL, TestApp } from '../support/test-app.js';

// Abuse limits with deliberately low settings: requests per key per minute, and failed
// authentications per client address (which then blocks the address for a minute). Both are
// counted in Redis, so every API process shares them.

const PER_KEY = 5;
const AUTH_FAILURES = 3;

describe('security: rate limits', () => {
  let t: TestApp;
  let redis: Redis;

  beforeAll(async () => {
    t = await startTestApp({
      RATE_LIMIT_PER_MINUTE: String(PER_KEY),
      AUTH_FAILURES_PER_MINUTE: String(AUTH_FAILURES),
    });
    redis = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    redis?.disconnect();
    await t?.close();
  });

  function expectRateLimited(res: {
    status: number;
    headers: Record<string, string>;
    text: string;
  }): void {
    expectProblem(res, 429);
    expect(JSON.parse(res.text).type).toBe('https://herald.dev/problems/rate-limited');
    const retryAfter = Number(res.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
  }

  // The admin key has PER_KEY requests a minute too: it creates the two keys and nothing else.
  it('should answer 429 with Retry-After when one key goes over its limit, and leave other keys alone', async () => {
    const keys: string[] = [];
    for (const name of ['busy', 'quiet']) {
      const res = await t.http
        .post('/v1/api-keys')
        .set(bearer(t.adminKey))
        .send({ name, roles: ['auditor'] });
      expect(res.status).toBe(201);
      keys.push(res.body.key as string);
    }
    const [busy, quiet] = keys;
    for (let i = 0; i < PER_KEY; i++)
      expect((await t.http.get('/v1/regulations').set(bearer(busy))).status).toBe(200);
    expectRateLimited(await t.http.get('/v1/regulations').set(bearer(busy)));
    expectRateLimited(await t.http.get('/v1/incidents').set(bearer(busy)));
    expect((await t.http.get('/v1/regulations').set(bearer(quiet))).status).toBe(200);

    // The counters live in Redis under the app's prefix, not in the process.
    const counters = await redis.keys(`${t.queuePrefix}:rl:key*`);
    expect(counters.length).toBeGreaterThanOrEqual(2);
  });

  it('should never limit the public health and metrics routes', async () => {
    for (let i = 0; i < PER_KEY * 3; i++)
      expect((await t.http.get('/health/live')).status).toBe(200);
    expect((await t.http.get('/metrics')).status).toBe(200);
  });

  // Last in this file: it blocks the test client's address for a minute.
  it('should block the address with 429 after too many failed authentications, even for a valid key', async () => {
    const valid = await t.http
      .post('/v1/api-keys')
      .set(bearer(t.adminKey))
      .send({ name: 'innocent', roles: ['auditor'] });
    expect(valid.status).toBe(201);
    const goodKey = valid.body.key as string;

    const failures = [
      () => t.http.get('/v1/regulations'),
      () =>
        t.http
          .get('/v1/regulations')
          .set(bearer('hk_AAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB')),
      () => t.http.get('/v1/regulations').set(bearer('not-a-key-but-long-enough')),
    ];
    for (const fail of failures) expectProblem(await fail(), 401);

    const blocked = await t.http
      .get('/v1/regulations')
      .set(bearer('hk_CCCCCCCC_DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD'));
    expectRateLimited(blocked);
    expect(JSON.parse(blocked.text).detail).toMatch(/failed authentications/);
    // A forged X-Forwarded-For does not buy a new address (TRUST_PROXY is off).
    expectRateLimited(await t.http.get('/v1/regulations').set('X-Forwarded-For', '203.0.113.7'));
    expectRateLimited(await t.http.get('/v1/regulations').set(bearer(goodKey)));
    expect((await t.http.get('/health/ready')).status).toBe(200);

    const counters = await redis.keys(`${t.queuePrefix}:rl:authfail*`);
    expect(counters.length).toBeGreaterThanOrEqual(1);
  });
});
