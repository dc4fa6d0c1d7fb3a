import { incidentBody } from '../factories/incident.factory.js';
import { tenantBody } from '../factories/tenant.factory.js';
import { query } from '../support/inspect.js';
import { startSmtpSink, SmtpSink } from '../support/smtp-sink.js';
import { bearer, eventually, startTestApp, TestApp } from '../support/test-app.js';

// Issue 3: PATCH with a wider scope resolves the newly affected tenants in a job, drops no one,
// never drafts the initial notice twice, and sends an approved notice to the newcomers only.

interface StoredRow {
  tenant_id: string;
  notice_due_at: Date;
  obligations: unknown;
  rules_version: string;
  scope_generation: number;
  resolved_at: Date;
}

describe('resolution: widening the scope', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let reporter: string;
  let comms: string;
  let auditor: string;
  let incidentId: string;

  const incident = async () =>
    (await t.http.get(`/v1/incidents/${incidentId}`).set(bearer(auditor))).body as Record<
      string,
      unknown
    >;
  const waitFor = (check: (i: Record<string, unknown>) => boolean, timeoutMs = 20_000) =>
    eventually(async () => {
      const i = await incident();
      return check(i) ? i : undefined;
    }, timeoutMs);
  const rows = () =>
    query<StoredRow>(
      t,
      `SELECT tenant_id, notice_due_at, obligations, rules_version, scope_generation, resolved_at FROM incident_tenants WHERE incident_id = $1 ORDER BY tenant_id`,
      [incidentId],
    );
  const auditCount = async (action: string) =>
    Number(
      (
        await query<{ n: string }>(
          t,
          `SELECT count(*)::text AS n FROM audit_events WHERE incident_id = $1 AND action = $2`,
          [incidentId, action],
        )
      )[0].n,
    );
  const notices = async () =>
    (await t.http.get(`/v1/incidents/${incidentId}/notices`).set(bearer(comms))).body
      .items as Array<{ id: string; kind: string; status: string }>;
  const rcptCounts = () => {
    const counts: Record<string, number> = {};
    for (const m of sink.messages)
      for (const r of m.envelope.rcptTo) counts[r] = (counts[r] ?? 0) + 1;
    return counts;
  };

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({ SMTP_URL: sink.url });
    reporter = await t.key(['reporter'], undefined, 'siem');
    comms = await t.key(['comms'], undefined, 'comms-lead');
    auditor = await t.key(['auditor']);
    const contact = (id: string) => [{ name: id, email: `sec@${id}.example`, role: 'security' }];
    const tenants = [
      tenantBody({ id: 'mail-1', services: ['mail'], contacts: contact('mail-1') }),
      tenantBody({ id: 'mail-2', services: ['mail'], contacts: contact('mail-2') }),
      tenantBody({ id: 'files-1', services: ['files'], contacts: contact('files-1') }),
      tenantBody({
        id: 'chat-1',
        services: ['chat'],
        countries: ['US-CA'],
        contacts: contact('chat-1'),
      }),
    ];
    expect(
      (await t.http.post('/v1/tenants/bulk').set(bearer(t.adminKey)).send({ tenants })).status,
    ).toBe(200);
    const post = await t.http
      .post('/v1/incidents')
      .set(bearer(reporter))
      .send(incidentBody({ scope: { services: ['mail'] } }));
    expect(post.status).toBe(202);
    incidentId = post.body.id as string;
    await waitFor((i) => i.status === 'awaiting-review');
    await eventually(async () => ((await notices()).length === 1 ? true : undefined));
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  it.each([
    [{ services: ['files'] }, 'services would drop mail'],
    [{ services: ['mail'], countries: ['DE'] }, 'adding countries narrows the scope'],
    [
      { tenantIds: ['mail-1', 'mail-2'] },
      'removing every one of services, dataRegions and countries',
    ],
  ])(
    'should refuse %j with a 409 saying why when it would narrow the scope',
    async (scope, reason) => {
      const before = await rows();
      const res = await t.http
        .patch(`/v1/incidents/${incidentId}`)
        .set(bearer(reporter))
        .send({ scope });
      expect(res.status).toBe(409);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.detail).toContain('the scope can only widen');
      expect(res.body.detail).toContain(reason);
      expect(await incident()).toMatchObject({
        scope: { services: ['mail'] },
        status: 'awaiting-review',
        affectedTenantCount: 2,
      });
      expect(await rows()).toEqual(before);
    },
  );

  it('should resolve the newly affected tenants, keep every earlier one unchanged and draft nothing new when widened before approval', async () => {
    const before = await rows();
    expect(before.map((r) => r.tenant_id)).toEqual(['mail-1', 'mail-2']);
    // mail-2 leaves the mail service: a wider scope must still not drop it from the incident.
    const moved = await t.http
      .put('/v1/tenants/mail-2')
      .set(bearer(t.adminKey))
      .send(
        tenantBody({
          id: 'mail-2',
          services: ['chat'],
          contacts: [{ name: 'x', email: 'sec@mail-2.example', role: 'security' }],
        }),
      );
    expect(moved.status).toBe(200);

    const res = await t.http
      .patch(`/v1/incidents/${incidentId}`)
      .set(bearer(reporter))
      .send({ scope: { services: ['mail', 'files'] } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'resolving', scope: { services: ['files', 'mail'] } });

    const after = await waitFor((i) => i.status === 'awaiting-review');
    expect(after.affectedTenantCount).toBe(3);
    const now = await rows();
    expect(now.map((r) => r.tenant_id)).toEqual(['files-1', 'mail-1', 'mail-2']);
    expect(now.filter((r) => r.tenant_id !== 'files-1')).toEqual(before);
    expect(now.find((r) => r.tenant_id === 'files-1')?.scope_generation).toBe(2);

    const statuses = await query<{
      change: { status: { from: string; to: string }; newlyAffected: number };
    }>(
      t,
      `SELECT change FROM audit_events WHERE incident_id = $1 AND action = 'incident.resolved' ORDER BY seq`,
      [incidentId],
    );
    expect(statuses.map((s) => [s.change.status, s.change.newlyAffected])).toEqual([
      [{ from: 'resolving', to: 'awaiting-review' }, 2],
      [{ from: 'resolving', to: 'awaiting-review' }, 1],
    ]);
    await new Promise((r) => setTimeout(r, 500)); // room for a wrong second draft to appear
    expect((await notices()).map((n) => n.kind)).toEqual(['initial']);
    expect(await auditCount('notice.drafted')).toBe(1);
  });

  it('should send the approved notice to the newly affected tenant only when widened after delivery', async () => {
    const [initial] = await notices();
    expect((await t.http.post(`/v1/notices/${initial.id}/approve`).set(bearer(comms))).status).toBe(
      200,
    );
    await waitFor((i) => i.status === 'delivered');
    expect(rcptCounts()).toEqual({
      'sec@files-1.example': 1,
      'sec@mail-1.example': 1,
      'sec@mail-2.example': 1,
    });

    const res = await t.http
      .patch(`/v1/incidents/${incidentId}`)
      .set(bearer(reporter))
      .send({ scope: { services: ['chat', 'files', 'mail'] } });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('resolving');
    const done = await waitFor((i) => i.status === 'delivered' && i.affectedTenantCount === 4);
    expect(done.deliveries).toEqual({ queued: 0, sent: 8, failed: 0, bounced: 0 });
    await sink.waitFor(4);
    expect(rcptCounts()).toEqual({
      'sec@chat-1.example': 1,
      'sec@files-1.example': 1,
      'sec@mail-1.example': 1,
      'sec@mail-2.example': 1,
    });

    const chat = (
      await t.http
        .get(`/v1/incidents/${incidentId}/tenants?regulationId=ca-civ-1798-82a`)
        .set(bearer(auditor))
    ).body.items;
    expect(chat.map((i: { tenantId: string }) => i.tenantId)).toEqual(['chat-1']);
    expect((await notices()).map((n) => [n.kind, n.status])).toEqual([['initial', 'sent']]);
    expect(await auditCount('notice.drafted')).toBe(1);
    const deliveries = (
      await t.http
        .get(`/v1/deliveries?incidentId=${incidentId}&tenantId=chat-1`)
        .set(bearer(auditor))
    ).body.items;
    expect(
      deliveries.map((d: { channel: string; status: string }) => [d.channel, d.status]).sort(),
    ).toEqual([
      ['dashboard', 'sent'],
      ['email', 'sent'],
    ]);
  });
});
