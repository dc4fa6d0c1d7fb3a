import { execFileSync } from 'node:child_process';
import { Cluster } from 'ioredis';
import { tenantBody } from '../factories/tenant.factory.js';
import { flowKeys, postIncident, seedTenants } from '../support/flow.js';
import { LocalRedisCluster, startRedisCluster } from '../support/redis-cluster.js';
import { startSmtpSink, SmtpSink } from '../support/smtp-sink.js';
import { bearer, eventually, startTestApp, TestApp } from '../support/test-app.js';

const hasRedisServer = (() => {
  try {
    execFileSync('redis-server', ['--version']);
    return true;
  } catch {
    return false;
  }
})();
if (!hasRedisServer) console.warn('SKIPPED the Redis Cluster e2e spec: no redis-server binary');
const describeWithRedis = hasRedisServer ? describe : describe.skip;

const TENANTS = 400;

describeWithRedis('Herald on a Redis Cluster', () => {
  let cluster: LocalRedisCluster;
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    sink = await startSmtpSink();
    t = await startTestApp({
      REDIS_URL: cluster.url,
      SMTP_URL: sink.url,
      // Slow enough that the failover lands in the middle of the fan-out.
      SMTP_POOL_SIZE: '1',
      RATE_LIMIT_PER_MINUTE: '100000',
    });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
    await cluster?.stop();
  });

  /** Every key on every master that matches, with its slot. */
  const keysOnCluster = async (pattern: string) => {
    const client = new Cluster([{ host: '127.0.0.1', port: cluster.nodes[0].port }]);
    try {
      await new Promise((r) => client.once('ready', r));
      const found: Array<{ key: string; slot: number }> = [];
      for (const node of client.nodes('master')) {
        const keys = await node.keys(pattern);
        for (const key of keys)
          found.push({ key, slot: Number(await node.cluster('KEYSLOT', key)) });
      }
      return found;
    } finally {
      client.disconnect();
    }
  };

  it('should answer ready and rate-limit per key when Redis is a cluster', async () => {
    expect((await t.http.get('/health/ready')).status).toBe(200);
    const auditor = await t.key(['auditor']);
    expect((await t.http.get('/v1/audit/verify').set(bearer(auditor))).status).toBe(200);
    const limits = await keysOnCluster(`${t.queuePrefix}:rl:*`);
    expect(limits.length).toBeGreaterThan(0);
  });

  it('should deliver every notice once when the master of the queues fails over mid fan-out', async () => {
    const keys = await flowKeys(t);
    await seedTenants(
      t,
      Array.from({ length: TENANTS }, (_, i) =>
        tenantBody({
          id: `rc-${i}`,
          contacts: [{ name: `T${i}`, email: `sec@rc-${i}.example`, role: 'primary' }],
        }),
      ),
    );
    const { incidentId, noticeId } = await postIncident(t, keys, {}, 60_000);

    // Every queue key shares one slot: the hash-tagged prefix.
    const queueKeys = await keysOnCluster(`{${t.queuePrefix}}:*`);
    expect(queueKeys.length).toBeGreaterThan(0);
    expect(new Set(queueKeys.map((k) => k.slot)).size).toBe(1);
    const before = await cluster.ownerOf(`{${t.queuePrefix}}`);

    // A relay that takes 40 ms a message keeps the sends going for about 16 s (one connection):
    // the failover (a few seconds) falls in the middle of them, however fast Herald sends.
    sink.setDataDelay(40);
    expect(
      (await t.http.post(`/v1/notices/${noticeId}/approve`).set(bearer(keys.comms))).status,
    ).toBe(200);
    await sink.waitFor(20, 60_000);
    expect(sink.messages.length).toBeLessThan(TENANTS); // still fanning out
    await cluster.cli(before.replica, 'cluster', 'failover');
    const after = await eventually(async () => {
      const owner = await cluster.ownerOf(`{${t.queuePrefix}}`);
      return owner.master === before.replica ? owner : undefined;
    }, 30_000);
    expect(after.master).toBe(before.replica);
    const sentDuringFailover = sink.messages.length;
    expect(sentDuringFailover).toBeLessThan(TENANTS);

    await eventually(async () => {
      const r = await t.http.get(`/v1/incidents/${incidentId}`).set(bearer(keys.auditor));
      return r.body.status === 'delivered' ? r.body : undefined;
    }, 120_000);
    const rcpts = sink.messages.flatMap((m) => m.envelope.rcptTo);
    expect(new Set(rcpts).size).toBe(TENANTS);
    expect(rcpts).toHaveLength(TENANTS); // none twice
    const verify = await t.http.get('/v1/audit/verify').set(bearer(keys.auditor));
    expect(verify.body.valid).toBe(true);
  });
});
