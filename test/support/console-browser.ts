import { AxeBuilder } from '@axe-core/playwright';
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { chromium, type Browser, type Locator, type Page, type Request } from 'playwright-core';

/** Debian's Chromium, headless (playwright's own browser download does not work here). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Tests reach loopback only: every name but localhost fails to resolve, so a page that
      // links elsewhere (the test IdP's pages @import a web font) cannot leave the machine.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE [::1]',
    ],
  });
}

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => ok(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The test IdP (oidc-provider) in its own process, on 127.0.0.1. */
export async function startIdp(redirectUri: string): Promise<{ issuer: string; stop: () => void }> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [resolve(__dirname, 'oidc-idp.mjs'), String(port), redirectUri],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((ok, fail) => {
    child.once('exit', (code) => fail(new Error(`the test IdP exited (${code})`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) ok();
    });
  });
  return { issuer: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

/** Signs in through the IdP's login and consent pages; ends on the console's board. */
export async function signInWithIdp(page: Page, base: string, login: string): Promise<void> {
  await page.goto(`${base}/console`);
  await page.getByRole('link', { name: 'Sign in with single sign-on' }).click();
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.locator('button[type="submit"]').click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(`${base}/console/incidents`);
}

/** axe-core on the page as it is: the serious and critical violations (none expected). */
export async function seriousViolations(page: Page): Promise<string[]> {
  // The notice preview is the tenant's email in a script-less sandbox: axe cannot run inside it
  // (and would wait forever); the console around it is what is checked here.
  const result = await new AxeBuilder({ page })
    .exclude('iframe.preview')
    .options({ iframes: false })
    .analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/**
 * Clicks a submit button and waits for the form's POST to `path` to leave the browser. Under a
 * loaded full run, headless Chromium has (4 times in 12 runs) taken a click on the notice page's
 * Reject button without submitting anything: no request, no navigation, nothing in the console,
 * the notice still a draft 30 s later. When no request has left within 10 s, the click is
 * repeated once, with a warning (and the form's state). A click whose request left within those
 * 10 s is never repeated, whatever the server then answers; one that sent nothing in 10 s and
 * then did would meet the notice already rejected, and the second would be refused (409).
 */
export async function clickToPost(page: Page, button: Locator, path: string): Promise<Request> {
  for (let attempt = 1; ; attempt++) {
    const posted = page.waitForRequest(
      (r) => r.method() === 'POST' && new URL(r.url()).pathname === path,
      { timeout: 10_000 },
    );
    await button.click();
    try {
      return await posted;
    } catch (err) {
      if (attempt === 2) throw err;
      // What the page looked like, for the next person to chase this.
      // (Runs in the page; this project compiles without the DOM's types.)
      const state = await button.evaluate((b) => {
        const win = globalThis as unknown as {
          htmx?: unknown;
          document: { activeElement?: { outerHTML: string } | null };
          FormData: new (form: unknown) => Iterable<[string, unknown]>;
          performance: { timeOrigin: number };
        };
        const form = (b as { form?: { checkValidity(): boolean } | null }).form;
        return {
          formValid: form?.checkValidity(),
          fields: form
            ? [...new win.FormData(form)].map(([k, v]) => `${k}: ${String(v).length} chars`)
            : [],
          htmx: typeof win.htmx,
          active: win.document.activeElement?.outerHTML.slice(0, 120),
          loadedAt: win.performance.timeOrigin,
        };
      });
      console.warn(
        `a click sent no POST ${path} within 10 s; clicking once more (${JSON.stringify(state)})`,
      );
    }
  }
}
