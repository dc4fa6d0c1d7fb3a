import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { incidentBody } from '../factories/incident.factory.js';
import { tenantBody } from '../factories/tenant.factory.js';
import { bearer, eventually, TestApp } from './test-app.js';

// Shared by the security suites (test/e2e/security-*.e2e-spec.ts): problem+json checks,
// "nothing was stored" snapshots, and the fixtures every suite needs.

interface ProblemBody {
  type?: unknown;
  title?: unknown;
  status?: unknown;
  detail?: unknown;
  errors?: Array<{ path?: unknown; message?: unknown }>;
}

/** What the checks need of an HTTP answer (a supertest Response or {@link rawRequest}'s). */
export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * Asserts an RFC 9457 answer: the status, `application/problem+json`, the four members, and
 * (when `paths` is given) an `errors[]` entry naming each of those fields.
 */
export function expectProblem(res: HttpResult, status: number, paths?: string[]): void {
  const context = `${res.status} ${res.text?.slice(0, 500)}`;
  expect({ status: res.status, context }).toEqual({ status, context });
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(res.text) as ProblemBody;
  expect(body).toEqual(
    expect.objectContaining({
      type: expect.any(String),
      title: expect.any(String),
      status,
      detail: expect.any(String),
    }),
  );
  expect(body.detail).not.toBe('');
  if (paths) {
    expect(Array.isArray(body.errors)).toBe(true);
    for (const e of body.errors ?? [])
      expect(e).toEqual({ path: expect.any(String), message: expect.any(String) });
    const named = (body.errors ?? []).map((e) => e.path);
    for (const path of paths) expect(named).toContain(path);
  }
}

/** Sends bytes exactly as given (supertest re-encodes Buffers as JSON), e.g. invalid UTF-8 or gzip. */
export async function rawRequest(
  t: TestApp,
  method: string,
  path: string,
  body: Buffer | string | undefined,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: method.toUpperCase(),
    headers,
    body,
  });
  return { status: res.status, headers: Object.fromEntries(res.headers), text: await res.text() };
}

/** Row counts of every table plus the audit chain's head: equal snapshots mean nothing was written. */
export interface DbSnapshot {
  counts: Record<string, number>;
  auditHead: string | null;
}

/** One connection to a test app's own database, for snapshots and deliberate damage. */
export class DbProbe {
  private constructor(private readonly client: Client) {}

  static async connect(databaseUrl: string): Promise<DbProbe> {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    return new DbProbe(client);
  }

  async query<R>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.client.query(sql, params)).rows as R[];
  }

  /** One round trip: the counts of every table (listed when first asked) and the audit head. */
  async snapshot(): Promise<DbSnapshot> {
    this.snapshotSql ??= await this.buildSnapshotSql();
    const [row] = await this.query<Record<string, string | null>>(this.snapshotSql);
    const { audit_head: auditHead, ...counts } = row;
    return {
      counts: Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number(v)])),
      auditHead,
    };
  }

  private snapshotSql?: string;

  private async buildSnapshotSql(): Promise<string> {
    const tables = await this.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'migrations' ORDER BY 1`,
    );
    const counts = tables.map(({ name }) => `(SELECT count(*) FROM "${name}") AS "${name}"`);
    return `SELECT ${[...counts, `(SELECT seq::text || ':' || hash FROM audit_events ORDER BY seq DESC LIMIT 1) AS audit_head`].join(', ')}`;
  }

  close(): Promise<void> {
    return this.client.end();
  }
}

/** The keys and records the security suites act on; built once per file. */
export interface SecurityFixtures {
  keys: { reporter: string; comms: string; auditor: string; tenantA: string; tenantB: string };
  tenantA: string;
  tenantB: string;
  incidentId: string;
  /** The exact body the incident was created with (a replay answers 200). */
  incidentRequest: Record<string, unknown>;
  /** The initial notice, still a draft. */
  draftNoticeId: string;
}

/** Two tenants, a key per role, an incident affecting tenant A resolved with its initial draft. */
export async function buildFixtures(t: TestApp, prefix = 'sec'): Promise<SecurityFixtures> {
  const tenantA = `${prefix}-a`;
  const tenantB = `${prefix}-b`;
  const bulk = await t.http
    .post('/v1/tenants/bulk')
    .set(bearer(t.adminKey))
    .send({
      tenants: [
        tenantBody({ id: tenantA, services: ['mail'] }),
        tenantBody({ id: tenantB, services: ['files'] }),
      ],
    });
  if (bulk.status !== 200) throw new Error(`fixtures: bulk ${bulk.status} ${bulk.text}`);
  const keys = {
    reporter: await t.key(['reporter'], undefined, `${prefix}-reporter`),
    comms: await t.key(['comms'], undefined, `${prefix}-comms`),
    auditor: await t.key(['auditor'], undefined, `${prefix}-auditor`),
    tenantA: await t.key(['tenant'], tenantA, `${prefix}-tenant-a`),
    tenantB: await t.key(['tenant'], tenantB, `${prefix}-tenant-b`),
  };
  const incidentRequest = incidentBody({ scope: { tenantIds: [tenantA] } });
  const post = await t.http.post('/v1/incidents').set(bearer(keys.reporter)).send(incidentRequest);
  if (post.status !== 202) throw new Error(`fixtures: incident ${post.status} ${post.text}`);
  const incidentId = post.body.id as string;
  const draftNoticeId = await eventually(async () => {
    const r = await t.http.get(`/v1/incidents/${incidentId}/notices`).set(bearer(keys.comms));
    return (r.body.items as Array<{ id: string; status: string }> | undefined)?.find(
      (n) => n.status === 'draft',
    )?.id;
  });
  return { keys, tenantA, tenantB, incidentId, incidentRequest, draftNoticeId };
}

/** A new draft of kind `update`, written by the reporter (so a comms key may approve it). */
export async function newDraft(t: TestApp, f: SecurityFixtures): Promise<string> {
  const res = await t.http
    .post(`/v1/incidents/${f.incidentId}/notices`)
    .set(bearer(f.keys.reporter))
    .send({ kind: 'update' });
  if (res.status !== 201) throw new Error(`draft: ${res.status} ${res.text}`);
  return res.body.id as string;
}
