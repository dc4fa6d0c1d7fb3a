import { incidentBody } from '../factories/incident.factory.js';
import { tenantBody } from '../factories/tenant.factory.js';
import { HOUR_MS, ManualClock } from '../support/clock.js';
import { flowKeys, postIncident, seedTenants, type FlowKeys } from '../support/flow.js';
import { query } from '../support/inspect.js';
import { bearer, startTestApp, TestApp } from '../support/test-app.js';

// Years from the database server's own clock: whatever Herald stores must come from its Clock.
const AT = new Date('2031-06-01T00:00:00.000Z');

describe('one clock', () => {
  let t: TestApp;
  let keys: FlowKeys;
  const clock = new ManualClock(AT);

  beforeAll(async () => {
    t = await startTestApp({}, { clock });
    keys = await flowKeys(t);
    await seedTenants(t, [tenantBody({ id: 'clocked', countries: ['DE'] })]);
  });
  afterAll(() => t.close());

  const instants = async (sql: string) =>
    (await query<Record<string, Date | null>>(t, sql)).flatMap((row) =>
      Object.entries(row).map(([column, value]) => [column, value?.toISOString() ?? null]),
    );

  it('should store every business timestamp from the app clock, not the database server clock', async () => {
    const { incidentId } = await postIncident(t, keys, {
      awareAt: new Date(AT.getTime() - HOUR_MS).toISOString(),
      occurredAt: undefined,
      scope: { tenantIds: ['clocked'] },
    });
    const at = AT.toISOString();
    const stored = [
      ...(await instants(`SELECT created_at, updated_at FROM tenants`)),
      ...(await instants(`SELECT created_at FROM api_keys`)),
      ...(await instants(`SELECT last_used_at FROM api_keys WHERE last_used_at IS NOT NULL`)),
      ...(await instants(
        `SELECT created_at, updated_at, resolved_at FROM incidents WHERE id = '${incidentId}'`,
      )),
      ...(await instants(`SELECT resolved_at FROM incident_tenants`)),
      ...(await instants(`SELECT created_at, updated_at FROM notices`)),
      ...(await instants(`SELECT loaded_at FROM rule_sets`)),
      ...(await instants(`SELECT occurred_at FROM audit_events`)),
    ];
    expect(stored.length).toBeGreaterThan(10);
    expect(stored.filter(([, value]) => value !== at)).toEqual([]);
  });

  it('should judge "in the future" by the app clock', async () => {
    // An hour after the app's now is refused, although it is years ahead of the real time.
    const future = await t.http
      .post('/v1/incidents')
      .set(bearer(keys.reporter))
      .send(incidentBody({ awareAt: new Date(AT.getTime() + HOUR_MS).toISOString() }));
    expect(future.status).toBe(400);
    expect(future.body.errors).toEqual([{ path: 'awareAt', message: 'must not be in the future' }]);
  });
});
