// One tenant's big campaign must not hold up another tenant's notification: tenant A has a 10,000-contact
// campaign scheduled an hour ahead and a campaign due now on the shared platform number; tenant B's single
// message due now is still sent within seconds.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignWorkflowId } from '../../workflows/shared.ts';
import { bearer } from '../support/actors.ts';
import { rest, startHarness, testConfig, type Harness } from '../support/harness.ts';
import { sendingTenant, type SendingTenant, sendsTo, SILENT_SANDBOX } from '../messages/support.ts';
import { createCampaign, singleMessageDueNow, waitForCampaign } from './support.ts';

/** The platform number's rate here: the campaign due now books its slots 20 s ahead. */
const PLATFORM_RATE = 20;
const LATER = 10_000;
const NOW = 400;
const CHUNK = 2_500;

/** Imports `count` contacts tagged `wave` through POST /contacts/import, CHUNK at a time; returns their phones. */
async function importWave(herald: Harness, tenant: SendingTenant, prefix: string, first: number, count: number, wave: string): Promise<string[]> {
  const phones = Array.from({ length: count }, (_, index) => `${prefix}${String(first + index).padStart(4, '0')}`);
  for (let start = 0; start < count; start += CHUNK) {
    const contacts = phones.slice(start, start + CHUNK).map((phone, index) => ({ phone, name: `Reader ${start + index}`, attributes: { wave } }));
    const imported = await rest(herald, 'POST', '/contacts/import', { contacts }, bearer(tenant.token));
    expect(imported.body.imported, JSON.stringify(imported.body).slice(0, 500)).toBe(contacts.length);
  }
  return phones;
}

describe("a tenant's big campaign and another tenant's single message on the platform number", () => {
  let herald: Harness;
  beforeAll(async () => {
    // Meta's statuses are held back: the worker and the API share this process, its cores go to the sends.
    herald = await startHarness({ worker: true, sandboxDelays: SILENT_SANDBOX, config: testConfig({ WHATSAPP_RATE_LIMIT_PER_SECOND: String(PLATFORM_RATE) }) });
  });
  afterAll(() => herald?.close());

  it("tenant B's message due now is sent within 5 s; the campaign for later has no messages or workflows yet", { timeout: 240_000 }, async () => {
    const a = await sendingTenant(herald, '1000.00');
    const block = Math.floor(Math.random() * 800) + 100;
    await importWave(herald, a, `+1555${block}`, 0, LATER, 'later');
    // Suffixes 3000 and up: ordinary sandbox numbers, delivered and read.
    const nowPhones = await importWave(herald, a, `+1555${block + 1}`, 3_000, NOW, 'now');

    const later = await createCampaign(herald, a, {
      scheduleTime: new Date(Date.now() + 3600_000).toISOString(),
      audience: { filter: { attributes: { wave: 'later' } } },
    });
    expect(later.status, JSON.stringify(later.body)).toBe(201);
    expect(later.body.audienceSize).toBe(LATER);
    const now = await createCampaign(herald, a, { idempotencyKey: randomUUID(), audience: { filter: { attributes: { wave: 'now' } } } });
    expect(now.status, JSON.stringify(now.body)).toBe(201);
    expect(now.body.audienceSize).toBe(NOW);

    // A's campaign due now is going out on the platform number: its bookings reach NOW / PLATFORM_RATE seconds ahead.
    await expect.poll(() => sendsTo(herald, nowPhones).length, { timeout: 60_000, interval: 100 }).toBeGreaterThanOrEqual(5);

    const single = await singleMessageDueNow(herald, 5_000);
    expect(single.status, `still ${single.status} after ${single.elapsedMs} ms`).toBe('SENT');

    // The campaign for later has decided to sleep (its timer is set), and has created nothing.
    const handle = herald.temporal.workflow.getHandle(campaignWorkflowId(later.body.id));
    const timerSet = async () => ((await handle.fetchHistory()).events ?? []).some((event) => event.timerStartedEventAttributes);
    await expect.poll(timerSet, { timeout: 30_000 }).toBe(true);
    const laterNow = await waitForCampaign(herald, a.token, later.body.id, () => true);
    expect(laterNow).toMatchObject({ status: 'SCHEDULED', counts: { SCHEDULED: LATER } });
    const listed = await rest(herald, 'GET', `/campaigns/${later.body.id}/messages`, undefined, bearer(a.token));
    expect(listed.body.items).toEqual([]);
    expect((await herald.temporal.workflow.count(`CampaignId = '${later.body.id}'`)).count).toBe(1);

    for (const id of [later.body.id, now.body.id]) await rest(herald, 'POST', `/campaigns/${id}/cancel`, undefined, bearer(a.token));
  });
});
