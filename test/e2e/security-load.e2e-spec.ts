import { monitorEventLoopDelay } from 'node:perf_hooks';
import { incidentBody } from '../factories/incident.factory.js';
import { tenantBody } from '../factories/tenant.factory.js';
import { bearer, eventually, startTestApp, TestApp } from '../support/test-app.js';

// The largest request each heavy endpoint allows must not stall the process: the app runs in
// this jest process, so the event loop's lag measured here is the lag every other request,
// worker job and lock renewal would see meanwhile (issue 20, H1: a 100,000-id PATCH froze it 34 s).

// A guard against a freeze, not a speed target (that lives in the benchmarks): on a quiet machine
// these requests lag the loop 200-300 ms (printed below), but CI runs two suites at once on two
// cores beside Postgres and Redis, where the same code measured up to 1.0 s. Three seconds still
// fails the 34 s freeze by a factor of ten and does not fail on a busy machine.
const MAX_LAG_MS = 3000;
const POLL_MS = 50;
const ids = (n: number, prefix = 'load') =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(6, '0')}`);

interface Measured<T> {
  result: T;
  ms: number;
  /** The event loop's worst delay while the work ran. */
  maxLagMs: number;
  /** The longest /health/live took to answer while the work ran. */
  maxLiveMs: number;
}

/** Runs `work` while measuring the event loop's worst delay and polling /health/live. */
async function measure<T>(t: TestApp, work: () => Promise<T>): Promise<Measured<T>> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  let running = true;
  let maxLiveMs = 0;
  // The gap between two answers, less the pause between polls: a blocked loop delays both the
  // pause's timer and the answer, so the time a probe waits to be answered alone misses it.
  const probe = (async () => {
    let last = performance.now();
    while (running) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      const res = await t.http.get('/health/live');
      expect(res.status).toBe(200);
      const now = performance.now();
      maxLiveMs = Math.max(maxLiveMs, now - last - POLL_MS);
      last = now;
    }
  })();
  histogram.enable();
  const started = performance.now();
  try {
    const result = await work();
    const ms = performance.now() - started;
    histogram.disable();
    return { result, ms, maxLagMs: histogram.max / 1e6, maxLiveMs };
  } finally {
    histogram.disable();
    running = false;
    await probe;
  }
}

describe('security: the largest requests do not stall the event loop', () => {
  let t: TestApp;
  let reporter: string;

  beforeAll(async () => {
    t = await startTestApp();
    reporter = await t.key(['reporter']);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function timed<T>(name: string, work: () => Promise<T>): Promise<T> {
    const m = await measure(t, work);
    process.stdout.write(
      `${name}: ${Math.round(m.ms)} ms, event-loop lag max ${Math.round(m.maxLagMs)} ms, /health/live max ${Math.round(m.maxLiveMs)} ms\n`,
    );
    expect({ name, lagUnderBound: m.maxLagMs < MAX_LAG_MS }).toEqual({ name, lagUnderBound: true });
    return m.result;
  }

  it('should keep the event loop responsive during a bulk upsert of 10,000 tenants', async () => {
    const tenants = ids(10_000, 'bulk').map((id) => tenantBody({ id }));
    const res = await timed('POST /v1/tenants/bulk (10,000 new)', () =>
      t.http.post('/v1/tenants/bulk').set(bearer(t.adminKey)).send({ tenants }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ created: 10_000, updated: 0 });
    // The same 10,000 again, each changed: 10,000 diffs and audit events.
    const changed = tenants.map((x) => ({ ...x, name: `${x.name} (renamed)` }));
    const again = await timed('POST /v1/tenants/bulk (10,000 updated)', () =>
      t.http.post('/v1/tenants/bulk').set(bearer(t.adminKey)).send({ tenants: changed }),
    );
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ created: 0, updated: 10_000 });
  });

  it('should keep the event loop responsive during intake and a PATCH of a 100,000-id scope', async () => {
    const tenantIds = ids(100_000, 'bulk');
    const created = await timed('POST /v1/incidents (100,000 ids)', () =>
      t.http
        .post('/v1/incidents')
        .set(bearer(reporter))
        .send(incidentBody({ scope: { tenantIds } })),
    );
    expect(created.status).toBe(202);
    const id = created.body.id as string;
    await eventually(async () => {
      const res = await t.http.get(`/v1/incidents/${id}`).set(bearer(reporter));
      return res.body.status === 'resolving' ? undefined : res.body;
    }, 120_000);

    // The README's way to widen: re-send the whole scope with more in it.
    const patched = await timed('PATCH /v1/incidents/{id} (100,000 ids + a service)', () =>
      t.http
        .patch(`/v1/incidents/${id}`)
        .set(bearer(reporter))
        .send({ scope: { tenantIds, services: ['mail'] } }),
    );
    expect(patched.status).toBe(200);
    expect(patched.body.scope.services).toEqual(['mail']);
    expect(patched.body.scope.tenantIds).toHaveLength(100_000);

    // The worker in this same process then resolves the 10,000 tenants that exist.
    const resolved = await timed('resolution of the widened scope (10,000 tenants)', () =>
      eventually(async () => {
        const res = await t.http.get(`/v1/incidents/${id}`).set(bearer(reporter));
        return res.body.status === 'resolving' ? undefined : res.body;
      }, 120_000),
    );
    expect(resolved.affectedTenantCount).toBe(10_000);
  });
});
