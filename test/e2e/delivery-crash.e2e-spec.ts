import { MESSAGES_IN_FLIGHT_PER_CONNECTION } from '../../src/delivery/delivery-sender.service.js';
import { TEST_REDIS_URL } from '../support/test-app.js';
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
import { startSmtpSink, SmtpSink } from '../support/smtp-sink.js';
import { eventually, startTestApp, TestApp } from '../support/test-app.js';
import { readFileSync } from 'node:fs';
import { query } from '../support/inspect.js';
import { spawnHerald, WorkerProcess } from '../support/worker-process.js';

const TENANTS = 1000;
const SMTP_POOL_SIZE = 5;
// What one SIGKILL can make go out twice: the messages sent and not yet recorded.
const IN_FLIGHT = SMTP_POOL_SIZE * MESSAGES_IN_FLIGHT_PER_CONNECTION;

// The API runs here; the workers are real separate processes, killed and restarted.
describe('delivery across worker crashes', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let keys: FlowKeys;
  const workers: WorkerProcess[] = [];
  // Set by each test as its last step: a test that threw before it (an `eventually` that timed
  // out counts no failed assertion) shows its workers' output.
  let completed = false;
  beforeEach(() => {
    completed = false;
  });

  const workerEnv = () => ({
    DATABASE_URL: t.databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: t.queuePrefix,
    SMTP_URL: sink.url,
    HERALD_ROLE: 'worker',
    WORKER_HTTP: 'false',
    RUN_MIGRATIONS: 'false',
    LOG_LEVEL: process.env.HERALD_TEST_VERBOSE ? 'log' : 'warn',
    DELIVERY_LEASE_MS: '3000',
    WORKER_LOCK_MS: '2000',
    RECONCILE_INTERVAL_MS: '2000',
    DELIVERY_RETRY_BASE_MS: '100',
    FANOUT_PAGE_SIZE: '100',
    SMTP_POOL_SIZE: String(SMTP_POOL_SIZE),
    // One sending process per worker, so that a SIGKILL takes all its sends with it.
    DELIVERY_PROCESSES: '1',
  });

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({ HERALD_ROLE: 'api', SMTP_URL: sink.url });
    keys = await flowKeys(t);
  });
  afterEach(async () => {
    const state = expect.getState();
    if (
      !completed ||
      state.assertionCalls !== state.numPassingAsserts ||
      process.env.HERALD_TEST_VERBOSE
    ) {
      for (const w of workers)
        console.log(`worker ${w.proc.pid} output:\n${w.output().slice(-4000)}`);
      // Where the work stopped: the fan-outs, the deliveries by state, the notices and incidents.
      const state = {
        fanouts: await query(
          t,
          `SELECT notice_id, pages, deliveries, cursor, completed_at, progressed_at FROM notice_fanouts`,
        ),
        deliveries: await query(
          t,
          `SELECT channel, status, count(*)::int AS n, count(*) FILTER (WHERE lease_expires_at > now())::int AS leased, max(attempts) AS attempts FROM deliveries GROUP BY 1, 2 ORDER BY 1, 2`,
        ),
        notices: await query(t, `SELECT id, status FROM notices`),
        incidents: await query(t, `SELECT id, status FROM incidents`),
      };
      console.log(`state when the test ended:\n${JSON.stringify(state, null, 1)}`);
    }
    // A test that failed half way leaves its workers running: they would send (and be counted
    // in) the next test's deliveries. Their pipes stay open until they are gone, too.
    for (const w of workers) w.proc.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    workers.length = 0;
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  async function fanOutTo(service: string): Promise<{ incidentId: string; expected: string[] }> {
    const tenants = Array.from({ length: TENANTS }, (_, i) =>
      tenantBody({
        id: `${service}-${String(i).padStart(4, '0')}`,
        services: [service],
        contacts: [{ name: 'Admin', email: `admin${i}@${service}.example`, role: 'primary' }],
      }),
    );
    await seedTenants(t, tenants);
    const { incidentId, noticeId } = await postIncident(
      t,
      keys,
      { scope: { services: [service] } },
      60_000,
    );
    await approve(t, keys, noticeId);
    return { incidentId, expected: tenants.map((x) => x.contacts![0].email).sort() };
  }

  function childrenOf(pid: number): number[] {
    try {
      return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number);
    } catch {
      return [];
    }
  }

  // A process that exited but was not reaped (a zombie: its parent is gone) counts as gone.
  function alive(pid: number): boolean {
    try {
      return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
    } catch {
      return false;
    }
  }

  function received(service: string): string[] {
    return sink.messages
      .flatMap((m) => m.envelope.rcptTo)
      .filter((r) => r.endsWith(`@${service}.example`));
  }

  it('should reach every contact with duplicates only for in-flight messages when workers are killed at several points', async () => {
    let worker = spawnHerald(workerEnv());
    workers.push(worker);
    const { incidentId, expected } = await fanOutTo('crash');
    const kills: Array<{ at: number; unrecorded: number }> = [];
    const recordedSent = async () =>
      new Set(
        (await deliveries(t, keys, incidentId))
          .filter((d) => d.channel === 'email' && d.status === 'sent')
          .map((d) => d.recipient),
      );
    for (const point of [150, 450, 750]) {
      await eventually(
        async () => (received('crash').length >= point ? true : undefined),
        60_000,
        5,
      );
      worker.proc.kill('SIGKILL');
      await worker.exited;
      const at = received('crash').length;
      const recorded = await recordedSent();
      // Received by the relay but not recorded: what the next worker will send again.
      const unrecorded = [...new Set(received('crash'))].filter((r) => !recorded.has(r));
      kills.push({ at, unrecorded: unrecorded.length });
      worker = spawnHerald(workerEnv());
      workers.push(worker);
      // Their leases run out and the next worker sends them again. Until it has recorded them
      // they would count as its own unrecorded sends at the next kill.
      await eventually(async () => {
        const now = await recordedSent();
        return unrecorded.every((r) => now.has(r)) ? true : undefined;
      }, 60_000);
    }
    await waitForStatus(t, keys, incidentId, 'delivered', 120_000);

    const all = received('crash');
    const unique = [...new Set(all)].sort();
    const duplicates = all.length - unique.length;
    console.log(
      `SIGKILL after ${kills.map((k) => `${k.at} (${k.unrecorded} not recorded)`).join(', ')} of ${TENANTS} messages: ` +
        `${all.length} received, ${duplicates} duplicates; bound ${kills.length} × ${SMTP_POOL_SIZE} connections × ${MESSAGES_IN_FLIGHT_PER_CONNECTION} in flight = ${kills.length * IN_FLIGHT}`,
    );
    expect(unique).toEqual(expected);
    for (const k of kills) expect(k.unrecorded).toBeLessThanOrEqual(IN_FLIGHT);
    // Only messages the relay accepted but a dead worker had not yet recorded can repeat.
    expect(duplicates).toBeLessThanOrEqual(kills.reduce((n, k) => n + k.unrecorded, 0));
    expect(duplicates).toBeLessThanOrEqual(kills.length * IN_FLIGHT);
    const records = await deliveries(t, keys, incidentId);
    expect(records.filter((d) => d.status !== 'sent')).toEqual([]);
    expect(records).toHaveLength(TENANTS * 2);
    const sentEvents = await auditEvents(t, keys, incidentId, 'delivery.sent');
    expect(sentEvents).toHaveLength(TENANTS * 2);
    expect(new Set(sentEvents.map((e) => e.entityId)).size).toBe(TENANTS * 2);
    completed = true;
  }, 300_000);

  it('should fork a second sending process by default that leaves when its parent is killed', async () => {
    const env: Record<string, string> = workerEnv();
    delete env.DELIVERY_PROCESSES;
    const parent = spawnHerald(env);
    workers.push(parent);
    const { incidentId, expected } = await fanOutTo('forked');
    const [child] = await eventually(async () => {
      const pids = childrenOf(parent.proc.pid!);
      return pids.length ? pids : undefined;
    }, 30_000);
    await eventually(async () => (received('forked').length >= 150 ? true : undefined), 60_000, 5);
    parent.proc.kill('SIGKILL');
    await parent.exited;
    // The forked process sees its parent go (the IPC channel closes), drains what it claimed
    // and exits. On a loaded machine draining a claimed batch can take a while; should it not
    // leave, it is killed all the same, so that it cannot send another test's deliveries.
    try {
      await eventually(async () => (alive(child) ? undefined : true), 90_000);
    } finally {
      if (alive(child)) process.kill(child, 'SIGKILL');
    }

    const next = spawnHerald(workerEnv());
    workers.push(next);
    await waitForStatus(t, keys, incidentId, 'delivered', 120_000);
    const all = received('forked');
    expect([...new Set(all)].sort()).toEqual(expected);
    // Two processes sent; only the killed one can have left messages unrecorded.
    expect(all.length - expected.length).toBeLessThanOrEqual(IN_FLIGHT);
    next.proc.kill('SIGTERM');
    expect(await next.exited).toBe('SIGTERM');
    completed = true;
  }, 240_000);

  it('should finish the sends in flight and exit cleanly on SIGTERM, with no duplicate', async () => {
    const first = spawnHerald(workerEnv());
    workers.push(first);
    const { incidentId, expected } = await fanOutTo('term');
    await eventually(async () => (received('term').length >= 100 ? true : undefined), 60_000, 5);
    first.proc.kill('SIGTERM');
    // Nest re-raises the signal once its shutdown hooks are done: exit by SIGTERM, not by a crash.
    expect(await first.exited).toBe('SIGTERM');
    expect(first.output()).not.toMatch(/"level":"(error|fatal)"/);
    const atStop = received('term').length;
    const records = await deliveries(t, keys, incidentId);
    // Everything the relay accepted was recorded before the process left.
    expect(records.filter((d) => d.channel === 'email' && d.status === 'sent')).toHaveLength(
      atStop,
    );

    const second = spawnHerald(workerEnv());
    workers.push(second);
    await waitForStatus(t, keys, incidentId, 'delivered', 120_000);
    const all = received('term');
    expect([...all].sort()).toEqual(expected);
    second.proc.kill('SIGTERM');
    expect(await second.exited).toBe('SIGTERM');
    completed = true;
  }, 240_000);
});
