import type { Browser, BrowserContext, Page } from 'playwright-core';
import { tenantBody } from '../factories/tenant.factory.js';
import { freePort, launchChromium, seriousViolations } from '../support/console-browser.js';
import { csvRecords } from '../support/csv-parse.js';
import { flowKeys, seedTenants, type FlowKeys } from '../support/flow.js';
import { query } from '../support/inspect.js';
import { deliveredNotice, linkIn, mailsWithLink } from '../support/portal.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { bearer, eventually, startTestApp, type TestApp } from '../support/test-app.js';

jest.setTimeout(180_000);

const ADA = 'ada@portal-a.example';

// The tenant portal in headless Chromium: a tenant administrator signs in with a one-time link
// that reached a real SMTP sink, sees its own notices only, acknowledges one (the compliance CSV
// shows it), checks references, edits its contacts; hostile requests change nothing.
describe('tenant portal in a browser', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let browser: Browser;
  let keys: FlowKeys;
  let base: string;
  let a: { incidentId: string; noticeId: string };
  let b: { incidentId: string; noticeId: string };
  let externalA: string;
  let externalB: string;
  const contexts: BrowserContext[] = [];
  const cspViolations: string[] = [];

  async function newPage(): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.text().includes('Content Security Policy'))
        cspViolations.push(`${page.url()}: ${m.text().slice(0, 80)}`);
    });
    return page;
  }

  const acks = () =>
    query<{ notice_id: string; tenant_id: string; acknowledged_by: string }>(
      t,
      'SELECT notice_id, tenant_id, acknowledged_by FROM acknowledgements ORDER BY tenant_id',
    );

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    sink = await startSmtpSink();
    t = await startTestApp({
      PORT: String(port),
      PUBLIC_URL: base,
      SMTP_URL: sink.url,
      // The Webhooks page lists endpoints on loopback (nothing listens there: no notice follows).
      WEBHOOK_ALLOW_LOOPBACK: 'true',
    });
    keys = await flowKeys(t);
    await seedTenants(t, [
      tenantBody({
        id: 'portal-a',
        name: 'Beispiel GmbH',
        locale: 'de-DE',
        timeZone: 'Europe/Berlin',
        contacts: [{ name: 'Ada Admin', email: ADA, role: 'primary' }],
      }),
      tenantBody({
        id: 'portal-b',
        name: 'Other Corp',
        contacts: [{ name: 'Bob', email: 'bob@portal-b.example', role: 'security' }],
      }),
    ]);
    a = await deliveredNotice(t, keys, ['portal-a']);
    b = await deliveredNotice(t, keys, ['portal-b']);
    const external = async (id: string) =>
      (await t.http.get(`/v1/incidents/${id}`).set(bearer(keys.auditor))).body.externalId as string;
    externalA = await external(a.incidentId);
    externalB = await external(b.incidentId);
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
    await sink?.stop();
  });

  it('should sign in with a one-time link, show only its own notices, and record an acknowledgement', async () => {
    const page = await newPage();
    await page.goto(`${base}/portal`);
    expect(page.url()).toBe(`${base}/portal/sign-in?reason=required`);
    expect(await seriousViolations(page)).toEqual([]);

    // An address not on file gets the same answer, and no mail.
    await page.locator('#email').fill('nobody@portal-a.example');
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    const neutral = await page.locator('p[role="status"]').innerText();
    await page.locator('#email').fill(ADA);
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    expect(await page.locator('p[role="status"]').innerText()).toBe(neutral);
    expect(await seriousViolations(page)).toEqual([]);
    await eventually(async () =>
      (await mailsWithLink(sink, ADA, '/portal/sign-in/link')) ? true : undefined,
    );
    expect(sink.messages.some((m) => m.envelope.rcptTo.includes('nobody@portal-a.example'))).toBe(
      false,
    );
    const link = await linkIn(sink, ADA, '/portal/sign-in/link');
    expect(
      await query(t, 'SELECT 1 FROM portal_sign_in_links WHERE token_sha256::text LIKE $1', [
        `%${new URL(link).searchParams.get('token')}%`,
      ]),
    ).toEqual([]);

    // The link names its tenant: for another tenant it opens nothing (and is not used up).
    const other = new URL(link);
    other.searchParams.set('tenant', 'portal-b');
    const thief = await newPage();
    await thief.goto(other.toString());
    await thief.getByRole('button', { name: 'Continue to the portal' }).click();
    await thief.getByText('This sign-in link is not valid').waitFor();
    expect((await thief.context().cookies()).some((c) => c.name === '__Host-herald-portal')).toBe(
      false,
    );

    await page.goto(link);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Continue to the portal' }).click();
    await page.waitForURL(`${base}/portal/notices`);
    const cookie = (await page.context().cookies()).find((c) => c.name === '__Host-herald-portal');
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    await page.getByText('Ada Admin').first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    const body = await page.locator('main').innerText();
    expect(body).toContain(externalA);
    expect(body).not.toContain(externalB);
    expect(await page.locator('article').getAttribute('lang')).toBe('de');

    // The same link a second time opens nothing.
    const again = await newPage();
    await again.goto(link);
    await again.getByRole('button', { name: 'Continue to the portal' }).click();
    await again.getByText('This sign-in link is not valid').waitFor();
    expect(await seriousViolations(again)).toEqual([]);

    // Acknowledge (htmx swaps the button for the record).
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await page.getByText(`by Ada Admin <${ADA}>`).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    expect(await acks()).toEqual([
      { notice_id: a.noticeId, tenant_id: 'portal-a', acknowledged_by: `Ada Admin <${ADA}>` },
    ]);
    const csv = await t.http
      .get(`/v1/incidents/${a.incidentId}/compliance`)
      .set(bearer(keys.auditor))
      .set('Accept', 'text/csv');
    const row = csvRecords(csv.text).find((r) => r.tenantId === 'portal-a');
    expect(row?.acknowledgedBy).toBe(`Ada Admin <${ADA}>`);
    expect(row?.acknowledgedAt).toMatch(/Z$/);
    const events = await query<{ actor: string }>(
      t,
      `SELECT actor FROM audit_events WHERE action IN ('notice.acknowledged', 'tenant-admin.signed-in') ORDER BY seq`,
    );
    expect(events).toEqual([{ actor: `person:${ADA}` }, { actor: `person:${ADA}` }]);

    // Is it genuine? Its own notice is; the other tenant's reference (or a made-up one) is not.
    await page.getByRole('link', { name: 'Check a notice' }).click();
    expect(await seriousViolations(page)).toEqual([]);
    await page.locator('#reference').fill(a.noticeId);
    await page.getByRole('button', { name: 'Check' }).click();
    await page
      .getByRole('heading', { name: /Genuine: we sent this notice to Beispiel GmbH/ })
      .waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.goto(`${base}/portal/verify?reference=${b.noticeId}`);
    await page.getByRole('heading', { name: /treat it as phishing/ }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    // Its systems' endpoints, registered through the API with a tenant key; not the other's.
    const hook = (tenantId: string) => `http://127.0.0.1:9/${tenantId}/herald`;
    for (const tenantId of ['portal-a', 'portal-b']) {
      const registered = await t.http
        .post(`/v1/tenants/${tenantId}/webhooks`)
        .set(bearer(await t.key(['tenant'], tenantId)))
        .send({ url: hook(tenantId), events: ['notice.sent'] });
      expect(registered.status).toBe(201);
    }
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
    await page.getByText(hook('portal-a')).waitFor();
    expect(await page.getByText(hook('portal-b')).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it('should edit contacts with errors shown per field, ask a new address to confirm, and record the person', async () => {
    const page = await newPage();
    await page.goto(`${base}/portal/sign-in`);
    await page.locator('#email').fill(ADA);
    const before = await mailsWithLink(sink, ADA, '/portal/sign-in/link');
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await eventually(async () =>
      (await mailsWithLink(sink, ADA, '/portal/sign-in/link')) > before ? true : undefined,
    );
    await page.goto(await linkIn(sink, ADA, '/portal/sign-in/link'));
    await page.getByRole('button', { name: 'Continue to the portal' }).click();
    await page.getByRole('link', { name: 'Contacts' }).click();
    expect(await seriousViolations(page)).toEqual([]);
    const stored = async () =>
      (
        await query<{ contacts: unknown }>(t, `SELECT contacts FROM tenants WHERE id = 'portal-a'`)
      )[0].contacts;
    const original = await stored();

    await page.locator('#name_1').fill('Security desk');
    await page.locator('#email_1').fill('not an address');
    await page.getByRole('button', { name: 'Save contacts' }).click();
    await page.locator('#email_1-error').waitFor();
    expect(await page.locator('#email_1').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#email_1-error').innerText()).toContain('email');
    expect(await seriousViolations(page)).toEqual([]);
    expect(await stored()).toEqual(original);

    await page.locator('#email_1').fill('desk@portal-a.example');
    await page.getByRole('button', { name: 'Save contacts' }).click();
    await page.getByText('Saved.').waitFor();
    await page.getByText('Not confirmed yet').first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    expect(await stored()).toEqual([
      { name: 'Ada Admin', email: ADA, role: 'primary' },
      { name: 'Security desk', email: 'desk@portal-a.example', role: 'security' },
    ]);
    const confirm = await linkIn(sink, 'desk@portal-a.example', '/portal/contacts/verify');
    const desk = await newPage();
    await desk.goto(confirm);
    expect(await seriousViolations(desk)).toEqual([]);
    await desk.getByRole('button', { name: 'Confirm this address' }).click();
    await desk.getByRole('heading', { name: 'Address confirmed' }).waitFor();
    expect(await seriousViolations(desk)).toEqual([]);
    await page.reload();
    await page
      .getByText(/^Confirmed /)
      .first()
      .waitFor();
    const changed = await query<{ actor: string }>(
      t,
      `SELECT actor FROM audit_events WHERE action = 'tenant.contacts-replaced'`,
    );
    expect(changed).toEqual([{ actor: `person:${ADA}` }]);
    expect(cspViolations).toEqual([]);
  });

  it("should refuse forged CSRF, another tenant's notice, staff keys and a signed-out cookie, changing nothing", async () => {
    const before = await acks();
    // Tenant B signs in with its own tenant key.
    const tenantKey = await t.key(['tenant'], 'portal-b', 'portal-b-key');
    const page = await newPage();
    await page.goto(`${base}/portal/sign-in`);
    await page.locator('#apiKey').fill(tenantKey);
    await page.getByRole('button', { name: 'Sign in with the key' }).click();
    await page.waitForURL(`${base}/portal/notices`);
    const body = await page.locator('main').innerText();
    expect(body).toContain(externalB);
    expect(body).not.toContain(externalA);
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();

    const forged = await page.request.post(`${base}/portal/notices/${b.noticeId}/acknowledge`, {
      headers: { 'X-CSRF-Token': 'forged-token' },
    });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain('CSRF');
    const stolen = await page.request.post(`${base}/portal/notices/${a.noticeId}/acknowledge`, {
      headers: { 'X-CSRF-Token': csrf },
    });
    expect(stolen.status()).toBe(404);
    await page.goto(`${base}/portal/verify?reference=${a.noticeId}`);
    await page.getByRole('heading', { name: /treat it as phishing/ }).waitFor();
    expect(await acks()).toEqual(before);

    // Staff keys never open the portal.
    for (const key of [t.adminKey, keys.comms]) {
      const staff = await newPage();
      await staff.goto(`${base}/portal/sign-in`);
      await staff.locator('#apiKey').fill(key);
      await staff.getByRole('button', { name: 'Sign in with the key' }).click();
      await staff.getByText('Only a tenant key opens the portal').waitFor();
      expect(await seriousViolations(staff)).toEqual([]);
    }
    expect(
      await query(
        t,
        `SELECT 1 FROM tenant_sessions WHERE method = 'api-key' AND tenant_id <> 'portal-b'`,
      ),
    ).toEqual([]);

    // Signed out, the same cookie opens nothing, even replayed by hand.
    const session = (await page.context().cookies()).find((c) => c.name === '__Host-herald-portal');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You have signed out').waitFor();
    const replay = await newPage();
    await replay.context().addCookies([{ ...session!, sameSite: 'Lax' }]);
    await replay.goto(`${base}/portal/notices`);
    expect(replay.url()).toContain('/portal/sign-in');
    await replay.getByText('Your session has ended').waitFor();
    const replayed = await replay.request.post(`${base}/portal/notices/${b.noticeId}/acknowledge`, {
      headers: { 'X-CSRF-Token': csrf },
    });
    expect(replayed.status()).toBe(401);
    expect(await acks()).toEqual(before);
    expect(cspViolations).toEqual([]);
  });
});
