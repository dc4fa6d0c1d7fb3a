import { tenantBody } from '../factories/tenant.factory.js';
import { flowKeys, FlowKeys, postIncident, seedTenants, waitForStatus } from '../support/flow.js';
import { startSmtpSink, SmtpSink } from '../support/smtp-sink.js';
import { bearer, startTestApp, TestApp } from '../support/test-app.js';

describe('notices: drafts, revisions and four-eyes review', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let keys: FlowKeys;
  let bob: string;
  let exec: string;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({ SMTP_URL: sink.url, APPROVALS_REQUIRED_CRITICAL: '2' });
    keys = await flowKeys(t);
    bob = await t.key(['comms'], undefined, 'bob');
    exec = await t.key(['comms'], undefined, 'exec');
    await seedTenants(t, [
      tenantBody({
        id: 'n-1',
        services: ['n'],
        contacts: [{ name: 'N', email: 'n@one.example', role: 'primary' }],
      }),
      tenantBody({
        id: 'c-1',
        services: ['crit'],
        contacts: [{ name: 'C', email: 'c@one.example', role: 'primary' }],
      }),
    ]);
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  it('should keep every revision, bind the approval to the exact content and send what was approved', async () => {
    const { incidentId, noticeId } = await postIncident(t, keys, { scope: { services: ['n'] } });
    const draft = await t.http.get(`/v1/notices/${noticeId}`).set(bearer(keys.comms));
    expect(draft.body).toMatchObject({
      kind: 'initial',
      status: 'draft',
      revision: 1,
      approvedBy: null,
    });

    const edit = await t.http.patch(`/v1/notices/${noticeId}`).set(bearer(keys.comms)).send({
      description: 'Edited: {{constructor}} <script>alert(1)</script>',
      expectedRevision: 1,
    });
    expect(edit.status).toBe(200);
    expect(edit.body.revision).toBe(2);
    expect(edit.body.editedBy).toMatch(/^comms-/);
    const stale = await t.http
      .patch(`/v1/notices/${noticeId}`)
      .set(bearer(bob))
      .send({ title: 'Late edit', expectedRevision: 1 });
    expect(stale.status).toBe(409);

    // Four eyes: neither the creator (the reporter's key) nor the last editor may approve.
    const byEditor = await t.http.post(`/v1/notices/${noticeId}/approve`).set(bearer(keys.comms));
    expect(byEditor.status).toBe(403);
    expect(byEditor.headers['content-type']).toMatch(/application\/problem\+json/);

    const revisions = await t.http
      .get(`/v1/notices/${noticeId}/revisions`)
      .set(bearer(keys.auditor));
    expect(revisions.body.items.map((r: { revision: number }) => r.revision)).toEqual([1, 2]);
    expect(revisions.body.items[0].content.description).not.toContain('Edited');

    const preview = await t.http
      .get(`/v1/notices/${noticeId}/preview?tenantId=n-1&channel=email`)
      .set(bearer(keys.comms));
    expect(preview.body.html).toContain('{{constructor}}');
    expect(preview.body.html).not.toContain('<script>alert(1)</script>');
    expect(preview.body.html).toContain('&lt;script&gt;');

    // `locale` previews the email a contact of another language receives; the tenant's by default.
    expect(preview.body.locale).toBe('en');
    const german = await t.http
      .get(`/v1/notices/${noticeId}/preview?tenantId=n-1&channel=email&locale=de`)
      .set(bearer(keys.comms));
    expect(german.status).toBe(200);
    expect(german.body.locale).toBe('de');
    expect(german.body.subject).not.toBe(preview.body.subject);

    const approved = await t.http.post(`/v1/notices/${noticeId}/approve`).set(bearer(bob));
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      status: 'approved',
      approvedBy: 'bob',
      approvedRevision: 2,
    });
    expect(approved.body.approvedSha256).toBe(revisions.body.items[1].contentSha256);

    // Nothing but a draft can be edited, approved or rejected.
    expect(
      (
        await t.http
          .patch(`/v1/notices/${noticeId}`)
          .set(bearer(keys.comms))
          .send({ title: 'After approval' })
      ).status,
    ).toBe(409);
    expect((await t.http.post(`/v1/notices/${noticeId}/approve`).set(bearer(exec))).status).toBe(
      409,
    );
    expect(
      (
        await t.http
          .post(`/v1/notices/${noticeId}/reject`)
          .set(bearer(exec))
          .send({ reason: 'too late' })
      ).status,
    ).toBe(409);

    await waitForStatus(t, keys, incidentId, 'delivered');
    const mail = await sink.messages
      .find((m) => m.envelope.rcptTo.includes('n@one.example'))!
      .parse();
    expect(mail.text).toContain('Edited: {{constructor}} <script>alert(1)</script>');
    expect(String(mail.html)).not.toContain('<script>alert(1)</script>');
  });

  it('should reject a draft with a reason, and refuse a reject without one', async () => {
    const { incidentId } = await postIncident(t, keys, { scope: { services: ['n'] } });
    const update = await t.http
      .post(`/v1/incidents/${incidentId}/notices`)
      .set(bearer(keys.comms))
      .send({ kind: 'update', description: 'An update.' });
    expect(update.status).toBe(201);
    expect(update.body).toMatchObject({ kind: 'update', status: 'draft', revision: 1 });
    expect(update.body.createdBy).toMatch(/^comms-/);
    const noReason = await t.http
      .post(`/v1/notices/${update.body.id}/reject`)
      .set(bearer(bob))
      .send({});
    expect(noReason.status).toBe(400);
    expect(noReason.body.errors[0].path).toBe('reason');
    const rejected = await t.http
      .post(`/v1/notices/${update.body.id}/reject`)
      .set(bearer(bob))
      .send({ reason: 'Wrong tone' });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({
      status: 'rejected',
      rejectedBy: 'bob',
      rejectReason: 'Wrong tone',
    });
    expect(
      (
        await t.http
          .patch(`/v1/notices/${update.body.id}`)
          .set(bearer(keys.comms))
          .send({ title: 'x' })
      ).status,
    ).toBe(409);
    const initial = await t.http
      .post(`/v1/incidents/${incidentId}/notices`)
      .set(bearer(keys.comms))
      .send({ kind: 'initial' });
    expect(initial.status).toBe(400);
  });

  it('should need a second, different approver for a critical incident', async () => {
    const { incidentId, noticeId } = await postIncident(t, keys, {
      scope: { services: ['crit'] },
      severity: 'critical',
    });
    const first = await t.http.post(`/v1/notices/${noticeId}/approve`).set(bearer(bob));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'draft', approvalsRequired: 2 });
    expect(first.body.approvals).toHaveLength(1);
    expect((await t.http.post(`/v1/notices/${noticeId}/approve`).set(bearer(bob))).status).toBe(
      409,
    );
    const second = await t.http.post(`/v1/notices/${noticeId}/approve`).set(bearer(exec));
    expect(second.body).toMatchObject({ status: 'approved', approvedBy: 'exec' });
    await waitForStatus(t, keys, incidentId, 'delivered');
    expect(sink.messages.some((m) => m.envelope.rcptTo.includes('c@one.example'))).toBe(true);
  });

  it('should drop earlier approvals when the draft is edited after them', async () => {
    const { noticeId } = await postIncident(t, keys, {
      scope: { services: ['crit'] },
      severity: 'critical',
    });
    expect((await t.http.post(`/v1/notices/${noticeId}/approve`).set(bearer(bob))).status).toBe(
      200,
    );
    const edited = await t.http
      .patch(`/v1/notices/${noticeId}`)
      .set(bearer(keys.comms))
      .send({ title: 'Changed after the first approval' });
    expect(edited.body.approvals).toEqual([]);
    const next = await t.http.post(`/v1/notices/${noticeId}/approve`).set(bearer(exec));
    expect(next.body).toMatchObject({ status: 'draft' });
    expect(next.body.approvals.map((a: { approver: string }) => a.approver)).toEqual(['exec']);
  });
});
