import { tenantBody } from '../factories/tenant.factory.js';
import {
  approve,
  deliveries,
  flowKeys,
  type FlowKeys,
  postIncident,
  seedTenants,
} from '../support/flow.js';
import { signInWithKey } from '../support/key-sign-in.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { bearer, eventually, startTestApp, type TestApp } from '../support/test-app.js';

// The board puts on top the incident whose earliest still-unmet deadline comes first: once a
// tenant has been told, its deadline no longer holds its incident up.
describe('console board: earliest unmet deadline first', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let keys: FlowKeys;

  beforeAll(async () => {
    // The slow tenant's mailbox answers 451 for good: its delivery stays queued, unmet.
    sink = await startSmtpSink({
      behaviour: (rcpt) =>
        rcpt === 'slow@board-a.example' ? { code: 451, message: 'try again later' } : 'accept',
    });
    t = await startTestApp({ SMTP_URL: sink.url, DELIVERY_RETRY_BASE_MS: '600000' });
    keys = await flowKeys(t);
    await seedTenants(t, [
      tenantBody({
        id: 'board-a-fast',
        services: ['board-a'],
        contractualNoticeHours: 1,
        contacts: [{ name: 'Fast', email: 'fast@board-a.example', role: 'primary' }],
      }),
      tenantBody({
        id: 'board-a-slow',
        services: ['board-a'],
        contractualNoticeHours: 20,
        contacts: [{ name: 'Slow', email: 'slow@board-a.example', role: 'primary' }],
      }),
      tenantBody({
        id: 'board-b-mid',
        services: ['board-b'],
        contractualNoticeHours: 10,
        contacts: [{ name: 'Mid', email: 'mid@board-b.example', role: 'primary' }],
      }),
    ]);
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  async function boardOrder(cookie: string, ids: string[]): Promise<string[]> {
    const page = await t.http.get('/console/incidents').set('Cookie', cookie);
    expect(page.status).toBe(200);
    return ids
      .filter((id) => page.text.includes(id))
      .sort((a, b) => page.text.indexOf(a) - page.text.indexOf(b));
  }

  async function dueAt(incidentId: string, tenantId: string): Promise<string> {
    const r = await t.http.get(`/v1/incidents/${incidentId}/tenants`).set(bearer(keys.auditor));
    const items = r.body.items as Array<{ tenantId: string; noticeDueAt: string }>;
    return items.find((i) => i.tenantId === tenantId)?.noticeDueAt ?? '';
  }

  it('should move an incident down once its tightest tenant has been told', async () => {
    const a = await postIncident(t, keys, { scope: { services: ['board-a'] } });
    const b = await postIncident(t, keys, { scope: { services: ['board-b'] } });
    const [fast, slow, mid] = await Promise.all([
      dueAt(a.incidentId, 'board-a-fast'),
      dueAt(a.incidentId, 'board-a-slow'),
      dueAt(b.incidentId, 'board-b-mid'),
    ]);
    // The premise: A's tightest tenant falls due before B's, A's other one after it.
    expect(Date.parse(fast)).toBeLessThan(Date.parse(mid));
    expect(Date.parse(mid)).toBeLessThan(Date.parse(slow));

    const { cookie } = await signInWithKey(t, 'console', keys.auditor);
    const ids = [a.incidentId, b.incidentId];
    expect(await boardOrder(cookie, ids)).toEqual([a.incidentId, b.incidentId]);

    await approve(t, await withSecondComms(), a.noticeId);
    await eventually(async () => {
      const rows = await deliveries(t, keys, a.incidentId);
      const told = rows.find((d) => d.tenantId === 'board-a-fast')?.status === 'sent';
      return told && sink.attempts('slow@board-a.example') > 0 ? true : undefined;
    }, 30_000);

    // A's earliest unmet deadline is now its slow tenant's, after B's.
    expect(await boardOrder(cookie, ids)).toEqual([b.incidentId, a.incidentId]);
    const page = await t.http.get('/console/incidents').set('Cookie', cookie);
    const rowA = page.text.slice(page.text.indexOf(a.incidentId));
    expect(rowA).toContain(slow.slice(0, 16).replace('T', ' '));
  });

  // The draft's author is the reporter; any comms key other than an editor may approve.
  async function withSecondComms(): Promise<FlowKeys> {
    return { ...keys, comms: await t.key(['comms'], undefined, 'board-approver') };
  }
});
