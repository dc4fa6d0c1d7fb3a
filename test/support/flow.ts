import { incidentBody } from '../factories/incident.factory.js';
import { TenantInput } from '../factories/tenant.factory.js';
import { bearer, eventually, TestApp } from './test-app.js';

export interface FlowKeys {
  reporter: string;
  comms: string;
  auditor: string;
}

export async function flowKeys(t: TestApp): Promise<FlowKeys> {
  return {
    reporter: await t.key(
      ['reporter'],
      undefined,
      `incident-system-${Math.random().toString(36).slice(2, 8)}`,
    ),
    comms: await t.key(['comms'], undefined, `comms-${Math.random().toString(36).slice(2, 8)}`),
    auditor: await t.key(
      ['auditor'],
      undefined,
      `auditor-${Math.random().toString(36).slice(2, 8)}`,
    ),
  };
}

export async function seedTenants(
  t: TestApp,
  tenants: Array<TenantInput & { id: string }>,
): Promise<void> {
  for (let i = 0; i < tenants.length; i += 10_000) {
    const res = await t.http
      .post('/v1/tenants/bulk')
      .set(bearer(t.adminKey))
      .send({ tenants: tenants.slice(i, i + 10_000) });
    if (res.status !== 200)
      throw new Error(`bulk failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

/** Posts an incident and waits for its initial draft. */
export async function postIncident(
  t: TestApp,
  keys: FlowKeys,
  overrides: Record<string, unknown> = {},
  timeoutMs = 30_000,
): Promise<{ incidentId: string; noticeId: string }> {
  const res = await t.http
    .post('/v1/incidents')
    .set(bearer(keys.reporter))
    .send(incidentBody(overrides));
  if (res.status !== 202)
    throw new Error(`intake failed: ${res.status} ${JSON.stringify(res.body)}`);
  const incidentId = res.body.id as string;
  const noticeId = await eventually(async () => {
    const r = await t.http.get(`/v1/incidents/${incidentId}/notices`).set(bearer(keys.comms));
    return (r.body.items as Array<{ id: string }> | undefined)?.[0]?.id;
  }, timeoutMs);
  return { incidentId, noticeId };
}

export async function approve(t: TestApp, keys: FlowKeys, noticeId: string): Promise<void> {
  const res = await t.http.post(`/v1/notices/${noticeId}/approve`).set(bearer(keys.comms));
  if (res.status !== 200)
    throw new Error(`approve failed: ${res.status} ${JSON.stringify(res.body)}`);
}

export async function waitForStatus(
  t: TestApp,
  keys: FlowKeys,
  incidentId: string,
  status: string,
  timeoutMs = 30_000,
): Promise<Record<string, unknown>> {
  return eventually(async () => {
    const r = await t.http.get(`/v1/incidents/${incidentId}`).set(bearer(keys.auditor));
    return r.body.status === status ? (r.body as Record<string, unknown>) : undefined;
  }, timeoutMs);
}

export interface DeliveryRecord {
  id: string;
  tenantId: string;
  channel: string;
  recipient: string;
  status: string;
  attempts: number;
  sentAt: string | null;
  messageId: string | null;
  contentSha256: string | null;
  metDeadline: boolean | null;
  lastError: string | null;
}

export async function deliveries(
  t: TestApp,
  keys: FlowKeys,
  incidentId: string,
): Promise<DeliveryRecord[]> {
  const out: DeliveryRecord[] = [];
  let cursor: string | null = null;
  do {
    const r = await t.http
      .get(`/v1/deliveries?incidentId=${incidentId}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`)
      .set(bearer(keys.auditor));
    if (r.status !== 200)
      throw new Error(`GET /v1/deliveries answered ${r.status}: ${JSON.stringify(r.body)}`);
    out.push(...(r.body.items as DeliveryRecord[]));
    cursor = r.body.nextCursor as string | null;
  } while (cursor);
  return out;
}

/** Every audit event of an incident with this action, through the API (all pages). */
export async function auditEvents(
  t: TestApp,
  keys: FlowKeys,
  incidentId: string,
  action: string,
): Promise<Array<{ entityId: string; action: string; change: Record<string, unknown> }>> {
  const out: Array<{ entityId: string; action: string; change: Record<string, unknown> }> = [];
  let cursor: string | null = null;
  do {
    const r = await t.http
      .get('/v1/audit/events')
      .query({ incidentId, action, limit: 1000, ...(cursor ? { cursor } : {}) })
      .set(bearer(keys.auditor));
    if (r.status !== 200)
      throw new Error(`GET /v1/audit/events answered ${r.status}: ${JSON.stringify(r.body)}`);
    out.push(...(r.body.items as typeof out));
    cursor = r.body.nextCursor as string | null;
  } while (cursor);
  return out;
}
