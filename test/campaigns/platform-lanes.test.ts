// The shared platform number's send slots: one tenant's campaign has booked them far ahead, another tenant's
// single message still goes out at once (its own lane), and the number never sends above its rate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, testConfig, type Harness } from '../support/harness.ts';
import { sendingTenant, sendsTo, SILENT_SANDBOX } from '../messages/support.ts';
import { createCampaign, singleMessageDueNow, importContacts } from './support.ts';
import { busiestSecond } from '../../bench/lib/arrivals.ts';

/** A slow platform number: 40 campaign messages book its slots 20 s ahead. */
const PLATFORM_RATE = 2;
const CAMPAIGN = 40;


describe('the platform number shared by a campaign and a single message', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ worker: true, sandboxDelays: SILENT_SANDBOX, config: testConfig({ WHATSAPP_RATE_LIMIT_PER_SECOND: String(PLATFORM_RATE) }) });
  });
  afterAll(() => herald?.close());

  it("another tenant's single message is not queued behind the campaign's booked slots; the rate holds", { timeout: 120_000 }, async () => {
    const a = await sendingTenant(herald, '10.00');
    const contacts = await importContacts(herald, a, Array.from({ length: CAMPAIGN }, () => ({})));
    const campaign = await createCampaign(herald, a, { audience: { contactIds: contacts.map((contact) => contact.id) } });
    expect(campaign.status, JSON.stringify(campaign.body)).toBe(201);
    const phones = contacts.map((contact) => contact.phone);
    // Every campaign message has booked its slot once the first ones go out (they are all due at once).
    await expect.poll(() => sendsTo(herald, phones).length, { timeout: 60_000, interval: 100 }).toBeGreaterThanOrEqual(3);
    const booked = async () =>
      (
        await herald.orm.em.fork().getConnection().execute<{ ahead_ms: number }[]>(
          "select greatest(0, extract(epoch from next_slot_at - clock_timestamp()) * 1000)::int as ahead_ms from send_pace where channel_key = 'platform'",
        )
      )[0]?.ahead_ms ?? 0;
    await expect.poll(booked, { timeout: 30_000, interval: 200 }).toBeGreaterThan(8_000);

    const single = await singleMessageDueNow(herald, 5_000);
    expect(single.status, `still ${single.status} after ${single.elapsedMs} ms`).toBe('SENT');
    expect(sendsTo(herald, phones).length).toBeLessThan(CAMPAIGN);

    await expect.poll(() => sendsTo(herald, phones).length, { timeout: 60_000, interval: 250 }).toBe(CAMPAIGN);
    const times = herald.sandbox.sent.filter((record) => record.httpStatus === 200).map((record) => record.receivedAt);
    // At most its rate in any second, one more for the burst of the first.
    expect(busiestSecond(times)).toBeLessThanOrEqual(PLATFORM_RATE + 1);
  });
});
