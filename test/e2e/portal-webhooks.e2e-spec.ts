import { tenantBody } from '../factories/tenant.factory.js';
import {
  approve,
  flowKeys,
  type FlowKeys,
  postIncident,
  seedTenants,
  waitForStatus,
} from '../support/flow.js';
import { signInWithKey } from '../support/key-sign-in.js';
import { bearer, startTestApp, type TestApp } from '../support/test-app.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

// The portal's webhooks page: a tenant administrator sees its own endpoints with their success
// rate and recent calls (from the calls Herald really made), and never another tenant's.
describe('portal: webhook endpoints and their health', () => {
  let t: TestApp;
  let keys: FlowKeys;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await startTestApp({ WEBHOOK_ALLOW_LOOPBACK: 'true' });
    keys = await flowKeys(t);
    await seedTenants(t, [
      tenantBody({ id: 'pw-a', services: ['pw'] }),
      tenantBody({ id: 'pw-b', services: ['other'] }),
    ]);
  });
  afterAll(async () => {
    await t.close();
    await receiver.stop();
  });

  it('should show its own endpoint with the calls made to it and nothing of another tenant', async () => {
    const keyA = await t.key(['tenant'], 'pw-a');
    const keyB = await t.key(['tenant'], 'pw-b');
    for (const [tenantId, key, path] of [
      ['pw-a', keyA, '/a'],
      ['pw-b', keyB, '/b'],
    ]) {
      const r = await t.http
        .post(`/v1/tenants/${tenantId}/webhooks`)
        .set(bearer(key))
        .send({ url: receiver.url(path), events: ['notice.sent'] });
      expect(r.status).toBe(201);
    }
    const { incidentId, noticeId } = await postIncident(t, keys, { scope: { services: ['pw'] } });
    await approve(t, keys, noticeId);
    await waitForStatus(t, keys, incidentId, 'delivered');

    const { res: signedIn, cookie: session } = await signInWithKey(t, 'portal', keyA);
    expect(signedIn.status).toBe(303);

    const page = await t.http.get('/portal/webhooks').set('Cookie', session);
    expect(page.status).toBe(200);
    expect(page.text).toContain(receiver.url('/a'));
    expect(page.text).not.toContain(receiver.url('/b'));
    expect(page.text).toContain('<span class="success-rate">100 %</span> of 1 calls answered 2xx');
    const call = receiver.calls.find((c) => c.path === '/a');
    expect(page.text).toContain(String(call?.headers['webhook-id']));
    expect(page.text).toContain('Active');
  });

  it("should show operators every tenant's endpoint with its health in the console, admins only", async () => {
    const consoleCookie = async (key: string) => (await signInWithKey(t, 'console', key)).cookie;
    const admin = await t.http
      .get('/console/operator/webhooks')
      .set('Cookie', await consoleCookie(t.adminKey));
    expect(admin.status).toBe(200);
    const rowOf = (url: string) => {
      const at = admin.text.indexOf(url);
      return admin.text.slice(admin.text.lastIndexOf('<tr', at), admin.text.indexOf('</tr>', at));
    };
    expect(rowOf(receiver.url('/a'))).toContain('pw-a');
    expect(rowOf(receiver.url('/a'))).toContain('<span class="success-rate">100 %</span> of 1');
    expect(rowOf(receiver.url('/b'))).toContain('pw-b');
    expect(rowOf(receiver.url('/b'))).toContain('no calls');

    const comms = await t.http
      .get('/console/operator/webhooks')
      .set('Cookie', await consoleCookie(keys.comms));
    expect(comms.status).toBe(403);
  });
});
