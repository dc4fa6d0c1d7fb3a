import { tenantBody } from '../factories/tenant.factory.js';
import {
  approve,
  auditEvents,
  deliveries,
  flowKeys,
  FlowKeys,
  postIncident,
  seedTenants,
  waitForStatus,
} from '../support/flow.js';
import { fromNow } from '../support/clock.js';
import { startSmtpSink, SmtpSink } from '../support/smtp-sink.js';
import { startTestApp, TestApp } from '../support/test-app.js';

const TENANTS = 12;
const RELAY_DELAY_MS = 1500;

// Each message takes three leases to answer: a lease held without renewal would run out, and
// the deliveries be claimed (and sent) a second time.
describe('delivery through a relay slower than the lease', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let keys: FlowKeys;

  beforeAll(async () => {
    sink = await startSmtpSink();
    sink.setDataDelay(RELAY_DELAY_MS);
    t = await startTestApp({
      SMTP_URL: sink.url,
      DELIVERY_LEASE_MS: '500',
      SMTP_POOL_SIZE: '3',
      SMTP_TIMEOUT_MS: '10000',
    });
    keys = await flowKeys(t);
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  it('should send one email and write one delivery.sent event per delivery when the lease is shorter than a send', async () => {
    const tenants = Array.from({ length: TENANTS }, (_, i) =>
      tenantBody({
        id: `slow-${String(i).padStart(2, '0')}`,
        services: ['slow'],
        contacts: [{ name: 'Admin', email: `admin${i}@slow.example`, role: 'primary' }],
      }),
    );
    await seedTenants(t, tenants);
    const { incidentId, noticeId } = await postIncident(t, keys, {
      scope: { services: ['slow'] },
      awareAt: fromNow(-60_000),
    });
    await approve(t, keys, noticeId);
    await waitForStatus(t, keys, incidentId, 'delivered', 120_000);

    const rcpts = sink.messages.flatMap((m) => m.envelope.rcptTo).sort();
    expect(rcpts).toEqual(tenants.map((x) => x.contacts![0].email).sort());
    const records = await deliveries(t, keys, incidentId);
    expect(records).toHaveLength(TENANTS * 2);
    expect(records.every((d) => d.status === 'sent' && d.attempts === 1)).toBe(true);
    const sent = await auditEvents(t, keys, incidentId, 'delivery.sent');
    expect(sent.map((e) => e.entityId).sort()).toEqual(records.map((d) => d.id).sort());
  }, 180_000);
});
