import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createHttpApp } from '../../src/app.factory.js';
import { QUEUES } from '../../src/common/queues/queue-names.js';
import { loadConfig } from '../../src/config/app-config.js';
import { incidentBody } from '../factories/incident.factory.js';
import { tenantBody } from '../factories/tenant.factory.js';
import {
  bearer,
  eventually,
  startTestApp,
  TEST_REDIS_URL,
  TestApp,
  testEnv,
} from '../support/test-app.js';

// Issue 2: two Herald installations on one Redis, told apart by QUEUE_PREFIX, never share jobs.
describe('QUEUE_PREFIX isolation', () => {
  let a: TestApp; // API only: its jobs wait until a worker with the same prefix comes
  let b: TestApp; // API and workers on another prefix: would steal a's jobs if prefixes leaked
  let aWorker: NestExpressApplication | undefined;
  let redis: Redis;
  const queues: Queue[] = [];

  const incidentsQueue = (prefix: string) => {
    const q = new Queue(QUEUES.incidents, { prefix, connection: { url: TEST_REDIS_URL } });
    queues.push(q);
    return q;
  };
  const keysMatching = async (pattern: string): Promise<string[]> => {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      out.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    return out;
  };
  const post = async (t: TestApp, externalId: string) => {
    const reporter = await t.key(['reporter']);
    const res = await t.http
      .post('/v1/incidents')
      .set(bearer(reporter))
      .send(incidentBody({ externalId, scope: { services: ['mail'] } }));
    expect(res.status).toBe(202);
    return { id: res.body.id as string, auditor: await t.key(['auditor']) };
  };
  const status = async (t: TestApp, id: string, auditor: string) =>
    (await t.http.get(`/v1/incidents/${id}`).set(bearer(auditor))).body.status as string;

  beforeAll(async () => {
    redis = new Redis(TEST_REDIS_URL);
    [a, b] = await Promise.all([startTestApp({ HERALD_ROLE: 'api' }), startTestApp()]);
    expect(a.queuePrefix).not.toBe(b.queuePrefix);
    for (const t of [a, b]) {
      const res = await t.http
        .post('/v1/tenants/bulk')
        .set(bearer(t.adminKey))
        .send({ tenants: [tenantBody({ id: 'shared-name' })] });
      expect(res.status).toBe(200);
    }
  });
  afterAll(async () => {
    await Promise.all(queues.map((q) => q.close()));
    await aWorker?.close();
    await Promise.all([a?.close(), b?.close()]);
    redis.disconnect();
  });

  it("should leave an incident's job under its own prefix when another instance's workers run on the same Redis", async () => {
    const { id, auditor } = await post(a, 'INC-prefix-a');
    const jobId = `resolve.${id}.1`;

    // b's workers are idle and listening; give them every chance to take a's job.
    await new Promise((r) => setTimeout(r, 2000));
    expect(await incidentsQueue(a.queuePrefix).getJobState(jobId)).toBe('waiting');
    expect(await incidentsQueue(b.queuePrefix).getJob(jobId)).toBeUndefined();
    expect(await status(a, id, auditor)).toBe('resolving');

    // Every Redis key that mentions the incident is under a's prefix.
    const mentioning = await keysMatching(`*${id}*`);
    expect(mentioning.length).toBeGreaterThan(0);
    expect(mentioning.filter((k) => !k.startsWith(`${a.queuePrefix}:`))).toEqual([]);
    expect((await keysMatching(`${a.queuePrefix}:${QUEUES.incidents}:*`)).length).toBeGreaterThan(
      0,
    );

    // A worker that shares a's prefix (and database) does pick it up.
    aWorker = await createHttpApp(
      loadConfig(testEnv(a.databaseUrl, { QUEUE_PREFIX: a.queuePrefix, HERALD_ROLE: 'worker' })),
    );
    await eventually(async () =>
      (await status(a, id, auditor)) === 'awaiting-review' ? true : undefined,
    );
    expect(await incidentsQueue(a.queuePrefix).getJobState(jobId)).toBe('completed');
  });

  it("should resolve an incident with the instance's own workers and never enqueue it under the other prefix", async () => {
    const { id, auditor } = await post(b, 'INC-prefix-b');
    await eventually(async () =>
      (await status(b, id, auditor)) === 'awaiting-review' ? true : undefined,
    );
    const jobId = `resolve.${id}.1`;
    expect(await incidentsQueue(b.queuePrefix).getJobState(jobId)).toBe('completed');
    expect(await incidentsQueue(a.queuePrefix).getJob(jobId)).toBeUndefined();
    const mentioning = await keysMatching(`*${id}*`);
    expect(mentioning.length).toBeGreaterThan(0);
    expect(mentioning.filter((k) => !k.startsWith(`${b.queuePrefix}:`))).toEqual([]);
    // BullMQ's default prefix is never used by either instance.
    expect(await keysMatching(`bull:*${id}*`)).toEqual([]);
  });
});
