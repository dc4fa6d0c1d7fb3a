import { expectProblem } from '../support/security.js';
import { bearer, startTestApp, TestApp } from '../support/test-app.js';

// METRICS_TOKEN: when set, a Prometheus scrape must bring it as a bearer token (issue 20, "Also").

describe('security: a metrics token guards /metrics when set', () => {
  const token = 'metrics-0123456789abcdef0123';
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ METRICS_TOKEN: token });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('should answer 401 with a challenge when the token is missing or wrong', async () => {
    for (const res of [
      await t.http.get('/metrics'),
      await t.http.get('/metrics').set(bearer('metrics-0123456789abcdef0124')),
      await t.http.get('/metrics').set(bearer(t.adminKey)),
    ]) {
      expectProblem(res, 401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="herald-metrics"');
      expect(res.text).not.toContain('herald_http_requests_total');
    }
  });

  it('should serve the metrics to a bearer of the token, and leave the health checks open', async () => {
    const res = await t.http.get('/metrics').set(bearer(token));
    expect(res.status).toBe(200);
    expect(res.text).toContain('herald_http_requests_total');
    expect((await t.http.get('/health/live')).status).toBe(200);
    expect((await t.http.get('/health/ready')).status).toBe(200);
  });
});

describe('security: /metrics without a token', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('should stay open for scrapes when METRICS_TOKEN is unset', async () => {
    const res = await t.http.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toContain('herald_http_requests_total');
  });
});
