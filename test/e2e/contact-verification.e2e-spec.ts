import { tenantBody } from '../factories/tenant.factory.js';
import { expectConformant } from '../support/api-client.js';
import { ManualClock } from '../support/clock.js';
import { approve, flowKeys, postIncident, seedTenants, waitForStatus } from '../support/flow.js';
import { query } from '../support/inspect.js';
import { deliveredNotice, linkIn, mailsWithLink } from '../support/portal.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { bearer, eventually, startTestApp, type TestApp } from '../support/test-app.js';

jest.setTimeout(120_000);

const DAY_MS = 86_400_000;
const VERIFY = '/portal/contacts/verify';

describe('contact verification', () => {
  let t: TestApp;
  let sink: SmtpSink;
  const clock = new ManualClock();

  const waitForMail = async (rcpt: string, count: number) =>
    eventually(
      async () => ((await mailsWithLink(sink, rcpt, VERIFY)) >= count ? true : undefined),
      15_000,
    );

  /** Opens the link's page (its sign-in CSRF cookie and field), then presses the button. */
  async function confirm(link: string): Promise<{ status: number; text: string }> {
    const url = new URL(link);
    const page = await t.http.get(`${url.pathname}${url.search}`);
    expect(page.status).toBe(200);
    const cookie = (page.headers['set-cookie'] as unknown as string[])
      .map((c) => c.split(';')[0])
      .join('; ');
    const field = (name: string) =>
      new RegExp(`name="${name}" value="([^"]*)"`).exec(page.text)?.[1] ?? '';
    const res = await t.http
      .post(VERIFY)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: field('_csrf'), tenant: field('tenant'), token: field('token') });
    return { status: res.status, text: res.text };
  }

  const report = async () => {
    const res = await t.http.get('/v1/contacts/report').set(bearer(t.adminKey));
    expect(res.status).toBe(200);
    await expectConformant(t, res);
    return (res.body.items as Array<{ tenantId: string }>).map((i) => i.tenantId);
  };
  const state = () =>
    query<{ email: string; verified_at: Date | null; request_reason: string | null }>(
      t,
      `SELECT email, verified_at, request_reason FROM contact_verifications WHERE tenant_id = 'cv-a'`,
    );

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp(
      { SMTP_URL: sink.url, CONTACT_SWEEP_INTERVAL_MS: '200', CONTACT_RECONFIRM_DAYS: '180' },
      { clock },
    );
    await seedTenants(t, [
      tenantBody({
        id: 'cv-a',
        contacts: [{ name: 'Ada', email: 'ada@cv-a.example', role: 'primary' }],
      }),
      tenantBody({
        id: 'cv-b',
        contacts: [{ name: 'Bea', email: 'bea@cv-b.example', role: 'security' }],
      }),
    ]);
  });

  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  it('should ask a changed address to verify, and mark it verified when its owner confirms', async () => {
    await waitForMail('ada@cv-a.example', 1);
    const tenantKey = await t.key(['tenant'], 'cv-a');
    const put = await t.http
      .put('/v1/tenants/cv-a/contacts')
      .set(bearer(tenantKey))
      .send({ contacts: [{ name: 'Ada', email: 'Ada@New.cv-a.example', role: 'primary' }] });
    expect(put.status).toBe(200);
    // The tenant API answers as before (no verification fields were added to it).
    expect(put.body.contacts).toEqual([
      { name: 'Ada', email: 'Ada@New.cv-a.example', role: 'primary' },
    ]);
    await waitForMail('Ada@New.cv-a.example', 1);
    await eventually(async () => ((await state()).length === 1 ? true : undefined));
    expect(await state()).toEqual([
      { email: 'ada@new.cv-a.example', verified_at: null, request_reason: 'new' },
    ]);
    expect(await report()).toEqual(['cv-a', 'cv-b']);

    const link = await linkIn(sink, 'Ada@New.cv-a.example', VERIFY);
    // The old address's link no longer verifies anything.
    const old = await confirm(await linkIn(sink, 'ada@cv-a.example', VERIFY));
    expect(old.status).toBe(404);
    const done = await confirm(link);
    expect(done.status).toBe(200);
    expect(done.text).toContain('Address confirmed');
    expect((await state())[0].verified_at?.toISOString()).toBe(clock.now().toISOString());
    expect((await confirm(link)).status).toBe(404);
    expect(await report()).toEqual(['cv-b']);
    const events = await query<{ actor: string }>(
      t,
      `SELECT actor FROM audit_events WHERE action = 'contact.verified'`,
    );
    expect(events).toEqual([{ actor: 'person:ada@new.cv-a.example' }]);
  });

  it('should still send every notice to an unverified contact', async () => {
    const keys = await flowKeys(t);
    sink.reset();
    await deliveredNotice(t, keys, ['cv-b']);
    expect(sink.messages.map((m) => m.envelope.rcptTo).flat()).toContain('bea@cv-b.example');
    expect(
      await query(
        t,
        `SELECT 1 FROM contact_verifications WHERE tenant_id = 'cv-b' AND verified_at IS NOT NULL`,
      ),
    ).toEqual([]);
  });

  it('should ask a verified contact to re-confirm once the period has passed on the clock', async () => {
    sink.reset();
    clock.advance(179 * DAY_MS);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await mailsWithLink(sink, 'Ada@New.cv-a.example', VERIFY)).toBe(0);
    expect(await report()).toEqual(['cv-b']);

    clock.advance(2 * DAY_MS);
    await waitForMail('Ada@New.cv-a.example', 1);
    const mail = sink.messages.find((m) => m.envelope.rcptTo.includes('ada@new.cv-a.example'));
    expect((await mail!.parse()).headers.get('x-herald-contact-verification')).toBe('reconfirm');
    expect(await report()).toEqual(['cv-a', 'cv-b']);
    // Asked once, not on every sweep.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await mailsWithLink(sink, 'Ada@New.cv-a.example', VERIFY)).toBe(1);

    expect((await confirm(await linkIn(sink, 'Ada@New.cv-a.example', VERIFY))).status).toBe(200);
    expect(await report()).toEqual(['cv-b']);
  });

  it('should leave the relay to notice emails: no verification request while notice emails are queued', async () => {
    const keys = await flowKeys(t);
    const held = 'hold@cv-h.example';
    sink.setBehaviour((rcpt) =>
      rcpt.toLowerCase() === held ? { code: 451, message: 'try again later' } : 'accept',
    );
    let incidentId: string;
    try {
      await seedTenants(t, [
        tenantBody({ id: 'cv-h', contacts: [{ name: 'Hal', email: held, role: 'primary' }] }),
      ]);
      const posted = await postIncident(t, keys, { scope: { tenantIds: ['cv-h'] } });
      incidentId = posted.incidentId;
      await approve(t, keys, posted.noticeId);
      // The relay refused it for now: queued for a retry that the stopped clock never reaches.
      await eventually(async () =>
        (
          await query(
            t,
            `SELECT 1 FROM deliveries WHERE recipient = $1 AND status = 'queued' AND attempts >= 1`,
            [held],
          )
        ).length
          ? true
          : undefined,
      );
      await seedTenants(t, [
        tenantBody({
          id: 'cv-n',
          contacts: [{ name: 'Nia', email: 'nia@cv-n.example', role: 'primary' }],
        }),
      ]);
      // Several sweeps (every 200 ms) find the new address and leave it for later.
      await new Promise((r) => setTimeout(r, 1500));
      expect(await mailsWithLink(sink, 'nia@cv-n.example', VERIFY)).toBe(0);
    } finally {
      sink.setBehaviour();
    }
    // The retry falls due; once the notice is out, the next sweep asks the new address.
    clock.advance(60_000);
    await waitForStatus(t, keys, incidentId, 'delivered', 30_000);
    await waitForMail('nia@cv-n.example', 1);
  });
});
