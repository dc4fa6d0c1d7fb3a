import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { APP_ROOT } from '../src/config/paths.js';

// Screenshots of the console's main screens for docs/, taken from a running Herald (npm run
// demo prints the address and keys): HERALD_URL, COMMS_KEY, AUDITOR_KEY, ADMIN_KEY; optionally
// PREVIEW_TENANT (a tenant to preview the notice as, e.g. a Japanese one).
const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name}`);
  return value;
};

async function signIn(browser: Browser, base: string, key: string, width = 1280): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width, height: width < 600 ? 844 : 900 },
  });
  const page = await context.newPage();
  await page.goto(`${base}/console/sign-in`);
  await page.locator('#apiKey').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/console/incidents`);
  return page;
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: resolve(APP_ROOT, 'docs', `console-${name}.png`), fullPage: true });

async function main(): Promise<void> {
  const base = env('HERALD_URL').replace(/\/$/, '');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    const comms = await signIn(browser, base, env('COMMS_KEY'));
    await shot(comms, 'board');
    await comms.locator('main a[href^="/console/incidents/"]').first().click();
    await comms.waitForLoadState('networkidle');
    await shot(comms, 'incident');
    const noticeHref = await comms
      .locator('a[href^="/console/notices/"]')
      .first()
      .getAttribute('href');
    await comms.goto(`${base}${noticeHref}`);
    const tenant = process.env.PREVIEW_TENANT;
    if (tenant) await comms.locator('#tenantId').selectOption(tenant);
    await comms.waitForLoadState('networkidle');
    await comms.frameLocator('#preview iframe').locator('body').waitFor();
    await shot(comms, 'notice');

    const phone = await signIn(browser, base, env('COMMS_KEY'), 390);
    await phone.goto(`${base}${noticeHref}`);
    await phone.waitForLoadState('networkidle');
    await phone.screenshot({ path: resolve(APP_ROOT, 'docs', 'console-phone.png') });

    const auditor = await signIn(browser, base, env('AUDITOR_KEY'));
    await auditor.goto(`${base}/console/auditor`);
    await auditor.getByRole('button', { name: 'Check the chain' }).click();
    await auditor.locator('#chain-state').waitFor();
    await shot(auditor, 'auditor');

    const admin = await signIn(browser, base, env('ADMIN_KEY'));
    await admin.goto(`${base}/console/operator`);
    await shot(admin, 'operator');
  } finally {
    await browser.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`screenshots failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
