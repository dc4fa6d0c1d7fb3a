import { bearer, startTestApp, TestApp } from '../support/test-app.js';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('should answer health when started', async () => {
    const res = await t.http.get('/health/ready');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', checks: { postgres: 'up', redis: 'up' } });
  });

  it('should create a tenant when admin', async () => {
    const res = await t.http.put('/v1/tenants/acme').set(bearer(t.adminKey)).send({ name: 'Acme' });
    expect(res.status).toBe(201);
    expect(res.body.timeZone).toBe('UTC');
  });
});
