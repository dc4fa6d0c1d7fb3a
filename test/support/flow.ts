import { incidentBody } from '../factories/incident.factory.js';
import { TenantInput } from '../factories/tenant.factory.js';
import { apiClient, Schemas } from './api-client.js';
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
  const admin = await apiClient(t, t.adminKey);
  for (let i = 0; i < tenants.length; i += 10_000) {
    const { response, error } = await admin.POST('/v1/tenants/bulk', {
      body: { tenants: tenants.slice(i, i + 10_000) as Schemas['BulkTenantsBody']['tenants'] },
    });
    if (response.status !== 200)
      throw new Error(`bulk failed: ${response.status} ${JSON.stringify(error)}`);
  }
}

/** Posts an incident and waits for its initial draft. */
export async function postIncident(
  t: TestApp,
  keys: FlowKeys,
  overrides: Record<string, unknown> = {},
  timeoutMs = 30_000,
): Promise<{ incidentId: string; noticeId: string }> {
  const reporter = await apiClient(t, keys.reporter);
  const comms = await apiClient(t, keys.comms);
  const { response, data, error } = await reporter.POST('/v1/incidents', {
    body: incidentBody(overrides) as Schemas['CreateIncidentBody'],
  });
  if (response.status !== 202 || !data)
    throw new Error(`intake failed: ${response.status} ${JSON.stringify(error)}`);
  const incidentId = data.id;
  const noticeId = await eventually(async () => {
    const r = await comms.GET('/v1/incidents/{id}/notices', {
      params: { path: { id: incidentId } },
    });
    return r.data?.items[0]?.id;
  }, timeoutMs);
  return { incidentId, noticeId };
}

export async function approve(t: TestApp, keys: FlowKeys, noticeId: string): Promise<void> {
  const comms = await apiClient(t, keys.comms);
  const { response, error } = await comms.POST('/v1/notices/{id}/approve', {
    params: { path: { id: noticeId } },
  });
  if (response.status !== 200)
    throw new Error(`approve failed: ${response.status} ${JSON.stringify(error)}`);
}

export async function waitForStatus(
  t: TestApp,
  keys: FlowKeys,
  incidentId: string,
  status: string,
  timeoutMs = 30_000,
): Promise<Schemas['Incident']> {
  const auditor = await apiClient(t, keys.auditor);
  return eventually(async () => {
    const { data } = await auditor.GET('/v1/incidents/{id}', {
      params: { path: { id: incidentId } },
    });
    return data?.status === status ? data : undefined;
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
  const auditor = await apiClient(t, keys.auditor);
  const out: DeliveryRecord[] = [];
  let cursor: string | null = null;
  do {
    const query: { incidentId: string; limit: number; cursor?: string } = {
      incidentId,
      limit: 1000,
      ...(cursor ? { cursor } : {}),
    };
    const { response, data, error } = await auditor.GET('/v1/deliveries', { params: { query } });
    if (response.status !== 200 || !data)
      throw new Error(`GET /v1/deliveries answered ${response.status}: ${JSON.stringify(error)}`);
    out.push(...data.items);
    cursor = data.nextCursor;
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
