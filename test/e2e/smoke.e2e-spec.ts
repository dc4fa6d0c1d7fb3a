import { apiClient, HeraldClient } from '../support/api-client.js';
import { startTestApp, TestApp } from '../support/test-app.js';

describe('smoke', () => {
  let t: TestApp;
  let admin: HeraldClient;
  beforeAll(async () => {
    t = await startTestApp();
    admin = await apiClient(t, t.adminKey);
  });
  afterAll(async () => {
    await t.close();
  });

  it('should answer health when started', async () => {
    const { response, data } = await (await apiClient(t)).GET('/health/ready');
    expect(response.status).toBe(200);
    expect(data).toEqual({ status: 'ok', checks: { postgres: 'up', redis: 'up' } });
  });

  it('should create a tenant when admin', async () => {
    const { response, data } = await admin.PUT('/v1/tenants/{id}', {
      params: { path: { id: 'acme' } },
      body: { name: 'Acme' },
    });
    expect(response.status).toBe(201);
    expect(data?.timeZone).toBe('UTC');
  });
});
