import os from 'node:os';
import path from 'node:path';
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
    const document = (await (await fetch(`${herald.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { tags: string[]; summary: string }>> };
    const seed = [
      ['post', '/auth/register-tenant'],
      ['post', '/auth/login'],
      ['post', '/contacts/import'],
      ['post', '/templates'],
      ['post', '/billing/add-credits'],
    ] as const;

    const page = await browser.newPage();
    const failedRequests: string[] = [];
    page.on('requestfailed', (request) => failedRequests.push(request.url()));
    await page.goto(`${herald.url}/docs`);
    await expect.poll(() => page.title(), { timeout: 20_000 }).toBe('Herald API reference');

    // The sidebar shows one group per tag; a reader opens each group and finds the operation's summary.
    for (const [method, path] of seed) {
      const operation = document.paths[path]![method]!;
      const group = page.getByRole('button', { name: `Open Group - ${operation.tags[0]}` });
      if (await group.count()) await group.first().click();
      await page.getByText(operation.summary, { exact: true }).first().waitFor({ timeout: 20_000 });
    }
    await page.getByText('/auth/register-tenant').first().waitFor({ timeout: 20_000 });

    // Nothing is fetched from outside this server (the page works offline).
    expect(failedRequests).toEqual([]);
    await page.screenshot({ path: path.join(os.tmpdir(), 'herald-docs.png') });
  });
});
