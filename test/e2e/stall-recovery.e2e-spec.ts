import { IncidentsService } from '../../src/incidents/incidents.service.js';
import { tenantBody } from '../factories/tenant.factory.js';
import { flowKeys, FlowKeys, postIncident, seedTenants } from '../support/flow.js';
import { query } from '../support/inspect.js';
import { startTestApp, TestApp } from '../support/test-app.js';

// The reconciler re-queues incidents whose pipeline went quiet. An incident awaiting review is
// stalled only while it has no initial notice: notices/ reports which have one, through the
// port in src/common/facts, since incidents/ does not read the notices table.
describe('stall recovery', () => {
  let t: TestApp;
  let keys: FlowKeys;

  beforeAll(async () => {
    // The scheduled reconcile looks back an hour: only the explicit call below sees rows backdated 30 minutes.
    t = await startTestApp({ RECONCILE_INTERVAL_MS: String(3600_000) });
    keys = await flowKeys(t);
    await seedTenants(t, [
      tenantBody({
        id: 'stall-1',
        services: ['stall'],
        contacts: [{ name: 'S', email: 's@one.example', role: 'primary' }],
      }),
    ]);
  });
  afterAll(() => t.close());

  it('should re-queue an incident awaiting review only when its initial notice is missing', async () => {
    const drafted = await postIncident(t, keys, { scope: { services: ['stall'] } });
    const lost = await postIncident(t, keys, { scope: { services: ['stall'] } });
    // The drafting of `lost` never happened: no notice, and both have been quiet for 30 minutes.
    await query(t, 'DELETE FROM notices WHERE incident_id = $1', [lost.incidentId]);
    await query(
      t,
      `UPDATE incidents SET updated_at = updated_at - interval '30 minutes' WHERE id = ANY($1::uuid[])`,
      [[drafted.incidentId, lost.incidentId]],
    );
    const statuses = await query<{ status: string }>(
      t,
      'SELECT status FROM incidents WHERE id = ANY($1::uuid[])',
      [[drafted.incidentId, lost.incidentId]],
    );
    expect(statuses.map((s) => s.status)).toEqual(['awaiting-review', 'awaiting-review']);

    expect(await t.app.get(IncidentsService).requeueStalled(60_000)).toBe(1);
  });
});
