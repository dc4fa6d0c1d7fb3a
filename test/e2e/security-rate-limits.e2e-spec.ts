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
  it('should block the address with 429 after too many failed authentications, but never a valid key', async () => {
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
    // Others' failures from the same address (one load balancer, say) never lock out a valid key.
    expect((await t.http.get('/v1/regulations').set(bearer(goodKey))).status).toBe(200);
    expectRateLimited(await t.http.get('/v1/regulations'));
    expect((await t.http.get('/health/ready')).status).toBe(200);

    const counters = await redis.keys(`${t.queuePrefix}:rl:authfail*`);
    expect(counters.length).toBeGreaterThanOrEqual(1);
  });
});

// Behind a load balancer: TRUST_PROXY names the proxies (here the test client's own address,
// standing in for one), so the client is the address the last trusted proxy saw. Whatever a
// client writes at the left of X-Forwarded-For is not its address.
describe('security: rate limits behind a trusted proxy', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      AUTH_FAILURES_PER_MINUTE: String(AUTH_FAILURES),
      TRUST_PROXY: '127.0.0.1/8, ::1',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const via = (client: string, forged = '') => ({
    'X-Forwarded-For': forged ? `${forged}, ${client}` : client,
  });

  it('should count failures per client behind the proxy, ignore forged left-most entries, and let valid keys through', async () => {
    const goodKey = await t.key(['auditor']);
    const attacker = '198.51.100.66';
    // Rotating a forged left-most entry does not give the attacker a fresh address.
    for (let i = 0; i < AUTH_FAILURES; i++)
      expectProblem(await t.http.get('/v1/regulations').set(via(attacker, `10.9.9.${i}`)), 401);
    expect((await t.http.get('/v1/regulations').set(via(attacker, '10.9.9.99'))).status).toBe(429);
    // Another client behind the same proxy is not blocked...
    expectProblem(await t.http.get('/v1/regulations').set(via('198.51.100.7')), 401);
    // ...and forging the victim's address into the header only blocks the attacker's own.
    expect((await t.http.get('/v1/regulations').set(via(attacker, '198.51.100.7'))).status).toBe(
      429,
    );
    expect(
      (await t.http.get('/v1/regulations').set({ ...via('198.51.100.7'), ...bearer(goodKey) }))
        .status,
    ).toBe(200);
    // The blocked client's own valid key still works: a key is checked before the block.
    expect(
      (await t.http.get('/v1/regulations').set({ ...via(attacker), ...bearer(goodKey) })).status,
    ).toBe(200);
  });
});
