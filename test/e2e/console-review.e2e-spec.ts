import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { tenantBody } from '../factories/tenant.factory.js';
import {
  clickToPost,
  freePort,
  launchChromium,
  seriousViolations,
  signInWithIdp,
  startIdp,
} from '../support/console-browser.js';
import { flowKeys, postIncident, seedTenants, type FlowKeys } from '../support/flow.js';
import { query, queryOne } from '../support/inspect.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

jest.setTimeout(150_000);

// The console end to end in real headless Chromium: people sign in through a real OIDC provider,
// edit and preview a notice in Japanese and German, four eyes between people, the fan-out's
// progress to 100 % while a real SMTP sink receives the mail, and the auditor's CSV and chain check.
describe('review console in a browser', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let idp: { issuer: string; stop: () => void };
  let browser: Browser;
  let keys: FlowKeys;
  let base: string;
  let noticeId: string;
  let incidentId: string;
  const contexts: BrowserContext[] = [];
  const dialogs: string[] = [];
  // Anything the console's CSP blocked (an inline style or script htmx or a page tried to use).
  const cspViolations: string[] = [];

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ acceptDownloads: true });
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.text().includes('Content Security Policy'))
        cspViolations.push(
          `${page.url()}: ${m.text().slice(0, 60)} ${JSON.stringify(m.location())}`,
        );
    });
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    return page;
  }

  const revision = async () =>
    (
      await queryOne<{ revision: number }>(t, 'SELECT revision FROM notices WHERE id = $1', [
        noticeId,
      ])
    ).revision;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    sink = await startSmtpSink();
    idp = await startIdp(`${base}/console/auth/callback`);
    t = await startTestApp({
      PORT: String(port),
      PUBLIC_URL: base,
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: 'herald-console',
      OIDC_CLIENT_SECRET: 'herald-console-secret',
      OIDC_ROLE_MAP: 'herald-comms=comms,herald-audit=auditor',
      SMTP_URL: sink.url,
    });
    keys = await flowKeys(t);
    await seedTenants(t, [
      tenantBody({
        id: 'kabushiki-ja',
        name: '株式会社サンプル',
        locale: 'ja-JP',
        timeZone: 'Asia/Tokyo',
        countries: ['JP'],
      }),
      tenantBody({
        id: 'beispiel-de',
        name: 'Beispiel GmbH',
        locale: 'de-DE',
        timeZone: 'Europe/Berlin',
      }),
    ]);
    ({ incidentId, noticeId } = await postIncident(t, keys));
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
    await sink?.stop();
    idp?.stop();
  });

  it('should take a notice from edit to delivered between two people, with the auditor checking after', async () => {
    // Alice signs in through the IdP; the session cookie is __Host-, HttpOnly, Secure, SameSite=Lax.
    const alice = await newPage();
    const shot = (p: Page, n: string) =>
      p.screenshot({ path: `/tmp/console-${n}.png`, fullPage: true });
    await alice.goto(`${base}/console`);
    await shot(alice, '0-signin');
    await signInWithIdp(alice, base, 'alice');
    await shot(alice, '1-board');
    const cookie = (await alice.context().cookies()).find(
      (c) => c.name === '__Host-herald-session',
    );
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    await expect(alice.getByText('Alice Editor')).toBeTruthy();
    expect(await seriousViolations(alice)).toEqual([]);

    await alice.getByRole('link', { name: /^INC-/ }).first().click();
    await alice.waitForURL(`${base}/console/incidents/${incidentId}`);
    expect(await seriousViolations(alice)).toEqual([]);

    await alice.goto(`${base}/console/notices/${noticeId}`);
    await shot(alice, '2-notice');
    await alice.locator('#preview iframe').waitFor();
    expect(await seriousViolations(alice)).toEqual([]);

    // An edit, with a script in a field: stored as text, shown escaped, never run.
    const hostileTitle = 'Mail storage incident <script>alert("pwned")</script>';
    await alice.locator('#f-title').fill(hostileTitle);
    await alice.getByRole('button', { name: 'Save revision' }).click();
    await alice.getByText('Saved as revision 2.').waitFor();

    // The preview as the Japanese tenant receives it, then as the German one.
    await alice.locator('#tenantId').selectOption('kabushiki-ja');
    await alice.locator('#preview-meta', { hasText: 'locale ja' }).waitFor();
    const ja = alice.frameLocator('#preview iframe');
    await ja.locator('body', { hasText: hostileTitle }).waitFor();
    const jaText = await ja.locator('body').innerText();
    expect(jaText).toMatch(/[\u3040-\u30ff\u4e00-\u9faf]/);
    await alice.locator('#tenantId').selectOption('beispiel-de');
    await alice.locator('#preview-meta', { hasText: 'locale de' }).waitFor();
    const deText = await alice.frameLocator('#preview iframe').locator('body').innerText();
    expect(deText).not.toEqual(jaText);
    expect(deText).not.toMatch(/[\u3040-\u30ff]/);
    expect(deText).toContain(hostileTitle);
    expect(dialogs).toEqual([]);

    // Alice last edited it: four eyes refuses her approval, and nothing changes.
    await alice.getByRole('button', { name: /^Approve revision/ }).click();
    await alice.locator('#alerts', { hasText: 'four eyes' }).waitFor();
    expect(
      await query(t, 'SELECT 1 FROM notice_approvals WHERE notice_id = $1', [noticeId]),
    ).toEqual([]);

    // Bob approves; the progress bar polls to 100 % while the sink receives both tenants' mail.
    const bob = await newPage();
    await signInWithIdp(bob, base, 'bob');
    await bob.goto(`${base}/console/notices/${noticeId}`);
    await bob.getByRole('button', { name: /^Approve revision 2/ }).click();
    await bob.locator('#progress-percent', { hasText: '100%' }).waitFor({ timeout: 60_000 });
    expect(await bob.locator('#fanout-progress').getAttribute('value')).toBe('100');
    const mail = await sink.waitFor(2);
    expect(mail.flatMap((m) => m.envelope.rcptTo).sort()).toEqual([
      'admin@beispiel-de.example',
      'admin@kabushiki-ja.example',
    ]);
    const approval = await queryOne<{ approver: string }>(
      t,
      'SELECT approver FROM notice_approvals WHERE notice_id = $1',
      [noticeId],
    );
    expect(approval.approver).toBe('person:bob');
    expect(await seriousViolations(bob)).toEqual([]);

    // Carol, an auditor, exports the deliveries as CSV and checks the audit chain.
    const carol = await newPage();
    await signInWithIdp(carol, base, 'carol');
    await carol.goto(`${base}/console/auditor?incidentId=${incidentId}`);
    expect(await seriousViolations(carol)).toEqual([]);
    const [download] = await Promise.all([
      carol.waitForEvent('download'),
      carol.locator('#csv-export').click(),
    ]);
    const csv = readFileSync((await download.path()) ?? '', 'utf8');
    expect(csv.split('\n')[0]).toContain('tenantId');
    expect(csv).toContain('kabushiki-ja');
    expect(csv).toContain('beispiel-de');
    await carol.getByRole('button', { name: 'Check the chain' }).click();
    await carol.locator('#chain-state', { hasText: 'The chain holds' }).waitFor();
    expect(cspViolations).toEqual([]);

    // Every change is recorded with the person, and sign-ins with their display names.
    const events = await query<{ actor: string; action: string }>(
      t,
      `SELECT actor, action FROM audit_events WHERE action IN ('notice.edited', 'notice.approved', 'staff.signed-in') ORDER BY seq`,
    );
    expect(events).toEqual(
      expect.arrayContaining([
        { actor: 'person:alice', action: 'notice.edited' },
        { actor: 'person:bob', action: 'notice.approved' },
        { actor: 'person:carol', action: 'staff.signed-in' },
      ]),
    );
  });

  it('should refuse hostile requests clearly and change nothing', async () => {
    const alice = await newPage();
    await signInWithIdp(alice, base, 'alice');
    const draft = await t.http
      .post(`/v1/incidents/${incidentId}/notices`)
      .set('Authorization', `Bearer ${keys.comms}`)
      .send({ kind: 'update' });
    expect(draft.status).toBe(201);
    noticeId = draft.body.id as string;
    const before = await revision();

    // A forged CSRF token: 403, no new revision.
    const forged = await alice.request.post(`${base}/console/notices/${noticeId}/edit`, {
      headers: { 'X-CSRF-Token': 'forged-token' },
      form: {
        expectedRevision: String(before),
        title: 'Forged',
        description: 'x',
        dataImpactDescription: 'x',
        actionsTaken: '',
        suggestedActions: '',
      },
    });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain('CSRF');
    expect(await revision()).toBe(before);

    // Rejecting needs a reason (the API's rule), then records the person.
    await alice.goto(`${base}/console/notices/${noticeId}`);
    await alice.locator('#reason').fill('Wrong customer segment named');
    await clickToPost(
      alice,
      alice.getByRole('button', { name: 'Reject' }),
      `/console/notices/${noticeId}/reject`,
    );
    await alice.getByText('Rejected').first().waitFor();
    await alice.getByText('by person:alice: Wrong customer segment named').waitFor();

    // A comms person opening the operator page.
    await alice.goto(`${base}/console/operator`);
    await alice.getByRole('heading', { name: /Forbidden/ }).waitFor();
    await alice.getByText('needs one of the roles admin').waitFor();

    // After sign-out the same cookie opens nothing, even replayed by hand.
    const session = (await alice.context().cookies()).find(
      (c) => c.name === '__Host-herald-session',
    );
    await alice.getByRole('button', { name: 'Sign out' }).click();
    // Single sign-on: the IdP ends its session too (RP-initiated logout), then sends her back.
    await alice.getByRole('button', { name: 'Yes, sign me out' }).click();
    await alice.getByText('You have signed out').waitFor();
    expect(alice.url()).toBe(`${base}/console/sign-in?reason=signed-out`);
    // Signing in again asks the IdP for her password: its session ended with the console's.
    await alice.getByRole('link', { name: 'Sign in with single sign-on' }).click();
    await alice.locator('input[name="login"]').waitFor();
    await alice.goto(`${base}/console/sign-in`);
    const replay = await newPage();
    await replay.context().addCookies([{ ...session!, sameSite: 'Lax' }]);
    await replay.goto(`${base}/console/incidents`);
    expect(replay.url()).toContain('/console/sign-in');
    await replay.getByText('Your session has ended').waitFor();
    const replayedEdit = await replay.request.post(`${base}/console/notices/${noticeId}/edit`, {
      form: {
        expectedRevision: String(before),
        title: 'Replayed',
        description: 'x',
        dataImpactDescription: 'x',
        actionsTaken: '',
        suggestedActions: '',
      },
    });
    expect(replayedEdit.status()).toBe(401);
    expect(await revision()).toBe(before);

    // A tenant key never opens the console; a person without a Herald role neither.
    const tenantKey = await t.key(['tenant'], 'beispiel-de');
    const tenant = await newPage();
    await tenant.goto(`${base}/console/sign-in`);
    expect(await seriousViolations(tenant)).toEqual([]);
    await tenant.locator('#apiKey').fill(tenantKey);
    await tenant.getByRole('button', { name: 'Sign in' }).click();
    await tenant.waitForLoadState();
    await tenant.getByText('A tenant key never opens the console').waitFor();
    const mallory = await newPage();
    await mallory.goto(`${base}/console`);
    await mallory.getByRole('link', { name: 'Sign in with single sign-on' }).click();
    await mallory.locator('input[name="login"]').fill('mallory');
    await mallory.locator('input[name="password"]').fill('x');
    await mallory.locator('button[type="submit"]').click();
    await mallory.getByRole('button', { name: 'Continue' }).click();
    await mallory.getByText('holds no Herald role that opens the console').waitFor();
    expect(
      await query(
        t,
        `SELECT 1 FROM staff_sessions WHERE subject = 'mallory' OR actor LIKE 'tenant%'`,
      ),
    ).toEqual([]);

    // An admin signs in with an API key: the operator page works and shows a new secret once.
    const admin = await newPage();
    await admin.goto(`${base}/console/sign-in`);
    await admin.locator('#apiKey').fill(t.adminKey);
    await admin.getByRole('button', { name: 'Sign in' }).click();
    await admin.waitForURL(`${base}/console/incidents`);
    await admin.goto(`${base}/console/operator`);
    expect(await seriousViolations(admin)).toEqual([]);
    await admin.locator('#k-name').fill('console-made-auditor');
    await admin.getByRole('checkbox', { name: 'auditor', exact: true }).check();
    await admin.getByRole('button', { name: 'Create key' }).click();
    const secret = await admin.locator('#new-secret').innerText();
    const check = await t.http.get('/v1/audit/verify').set('Authorization', `Bearer ${secret}`);
    expect(check.status).toBe(200);
    await admin.getByRole('button', { name: 'Revoke console-made-auditor' }).click();
    const revoked = await t.http.get('/v1/audit/verify').set('Authorization', `Bearer ${secret}`);
    expect(revoked.status).toBe(401);
    expect(cspViolations).toEqual([]);
  });
});
