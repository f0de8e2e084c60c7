import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.ts';

// Debian's Chromium (`npm test` installs it first, see scripts/ensure-test-tools.ts); Playwright's own browser download is not used.
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

  it("shows Herald's reference only, and its auth box takes the bearer token a sign-in returns", async () => {
    const registered = await fetch(`${herald.url}/auth/register-tenant`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenantName: 'Docs Reader', slug: 'docs-reader', adminEmail: 'admin@docs-reader.com', adminPassword: 'password123', adminName: 'Dee Reader' }),
    });
    expect(registered.status).toBe(201);
    const { token } = (await registered.json()) as { token: string };

    const page = await browser.newPage();
    await page.goto(`${herald.url}/docs`);
    // The auth box is the last part of the introduction to render; by then any vendor toolbar would be there too.
    await page.getByRole('button', { name: 'Selected Auth Type: bearerAuth' }).waitFor({ timeout: 20_000 });

    // No vendor buttons: developer toolbar (configure, share, SDK generator, deploy), AI agent, client promotion.
    for (const vendor of [/Ask AI/i, /Deploy/i, /Developer Tools/i, /Generate SDK/i, /Open API Client/i, /^Configure$/, /^Share$/]) {
      expect(await page.getByRole('button', { name: vendor }).count(), String(vendor)).toBe(0);
      expect(await page.getByRole('link', { name: vendor }).count(), String(vendor)).toBe(0);
    }

    // A reader pastes the token into the Bearer Token field; the examples of protected routes then carry it.
    await page.getByLabel('Bearer Token').first().fill(token);
    const contacts = page.getByRole('button', { name: 'Open Group - contacts' });
    if (await contacts.count()) await contacts.first().click();
    await page.getByText("Import contacts into the caller's tenant").first().click();
    await expect.poll(async () => (await page.locator('body').innerText()).includes(`Authorization: Bearer ${token}`), { timeout: 20_000 }).toBe(true);
  });
});
