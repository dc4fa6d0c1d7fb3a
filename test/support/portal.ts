import type { Page } from 'playwright-core';
import { approve, type FlowKeys, postIncident, waitForStatus } from './flow.js';
import type { SmtpSink } from './smtp-sink.js';
import type { TestApp } from './test-app.js';

/** Posts an incident scoped to these tenants, approves its notice and waits until it is delivered. */
export async function deliveredNotice(
  t: TestApp,
  keys: FlowKeys,
  tenantIds: string[],
  overrides: Record<string, unknown> = {},
): Promise<{ incidentId: string; noticeId: string }> {
  const posted = await postIncident(t, keys, { scope: { tenantIds }, ...overrides });
  await approve(t, keys, posted.noticeId);
  await waitForStatus(t, keys, posted.incidentId, 'delivered', 60_000);
  return posted;
}

/** The first link under `path` in the newest mail to `rcpt` the sink received. */
export async function linkIn(
  sink: SmtpSink,
  rcpt: string,
  path: string,
  timeoutMs = 15_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const pattern = new RegExp(`https?://[^\\s"<>]+${path.replace(/[/?]/g, '\\$&')}[^\\s"<>]*`);
  for (;;) {
    const mail = [...sink.messages]
      .reverse()
      .find((m) => m.envelope.rcptTo.some((r) => r.toLowerCase() === rcpt.toLowerCase()));
    if (mail) {
      const text = (await mail.parse()).text ?? '';
      const match = pattern.exec(text);
      if (match) return match[0];
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${rcpt} with a link to ${path}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** How many mails to `rcpt` the sink holds whose text links to `path`. */
export async function mailsWithLink(sink: SmtpSink, rcpt: string, path: string): Promise<number> {
  let n = 0;
  for (const m of sink.messages) {
    if (!m.envelope.rcptTo.some((r) => r.toLowerCase() === rcpt.toLowerCase())) continue;
    if (((await m.parse()).text ?? '').includes(path)) n++;
  }
  return n;
}

/** Signs in through the portal's one-time link form and the link the sink received; ends on the notices. */
export async function signInWithLink(
  page: Page,
  base: string,
  sink: SmtpSink,
  email: string,
): Promise<void> {
  const before = await mailsWithLink(sink, email, '/portal/sign-in/link');
  await page.goto(`${base}/portal/sign-in`);
  await page.locator('#email').fill(email);
  await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
  await page.getByText('a sign-in link is on its way').waitFor();
  const deadline = Date.now() + 15_000;
  while ((await mailsWithLink(sink, email, '/portal/sign-in/link')) <= before) {
    if (Date.now() > deadline) throw new Error(`no sign-in mail to ${email}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await page.goto(await linkIn(sink, email, '/portal/sign-in/link'));
  await page.getByRole('button', { name: 'Continue to the portal' }).click();
  await page.waitForURL(`${base}/portal/notices`);
}
