import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.ts';

// Debian's Chromium (installed by .ci/run); Playwright's own browser download is not used.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('the interactive API reference at /docs', () => {
  let herald: Harness;
  let browser: Browser;
  beforeAll(async () => {
    herald = await startHarness();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  });
  afterAll(async () => {
    await browser?.close();
    await herald?.close();
  });

  it("renders in a real browser and lists the seed's routes", async () => {
    const page = await browser.newPage();
    const failedRequests: string[] = [];
    page.on('requestfailed', (request) => failedRequests.push(request.url()));
    await page.goto(`${herald.url}/docs`);
    await expect.poll(() => page.title(), { timeout: 20_000 }).toBe('Herald API reference');
    // The page fetches /openapi.json itself and renders each operation's summary.
    for (const summary of ['Register a tenant and its first admin', 'Sign in']) {
      await page.getByText(summary, { exact: true }).first().waitFor({ timeout: 20_000 });
    }
    const text = await page.locator('body').innerText();
    for (const path of ['/auth/register-tenant', '/auth/login', '/contacts/import', '/templates', '/billing/add-credits']) {
      expect(text).toContain(path);
    }
    // Nothing is fetched from outside this server (the page works offline).
    expect(failedRequests.filter((url) => !url.startsWith(herald.url))).toEqual([]);
    await page.screenshot({ path: `${process.env.HERALD_SCREENSHOT_DIR ?? '/tmp'}/herald-docs.png` });
  });
});
