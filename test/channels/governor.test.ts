// The send governor, measured where Meta would see it: the stand-in's arrival time of each send call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.ts';
import { eventually } from '../support/eventually.ts';
import { schedule, sendingTenant, SILENT_SANDBOX } from '../messages/support.ts';
import { onChannel, registerChannel } from './support.ts';
import { busiestSecond } from '../../bench/lib/arrivals.ts';

const PER_CHANNEL = 20;


describe('the send governor', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ worker: true, sandboxDelays: SILENT_SANDBOX });
  });
  afterAll(() => herald?.close());

  it('a channel limited to 2/s spreads 20 due messages at ≤ 2 per second, while another channel sends its 20 at once', { timeout: 120_000 }, async () => {
    const sender = await sendingTenant(herald, '10.00');
    const limited = await registerChannel(herald, sender, { name: 'Limited', rateLimitPerSecond: 2 });
    const tenant = await onChannel(herald, sender, limited);
    const fast = await registerChannel(herald, tenant, { name: 'Fast', isDefault: false });
    const contacts = [];
    for (let i = 0; i < PER_CHANNEL * 2; i++) contacts.push(await tenant.contact());

    // All 40 fall due at one instant, after every schedule call has answered.
    const scheduleTime = new Date(Date.now() + 8_000).toISOString();
    const answers = await Promise.all(
      contacts.map((contactId, i) => schedule(herald, tenant, contactId, { scheduleTime, channelId: i % 2 === 0 ? limited.id : fast.id })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 201));
    expect(Date.now()).toBeLessThan(Date.parse(scheduleTime));

    const arrivals = (phoneNumberId: string) =>
      herald.sandbox.sent.filter((record) => record.phoneNumberId === phoneNumberId && record.httpStatus === 200).map((record) => record.receivedAt);
    await eventually(
      () => ({ limited: arrivals(limited.phoneNumberId).length, fast: arrivals(fast.phoneNumberId).length }),
      (count) => count.limited >= PER_CHANNEL && count.fast >= PER_CHANNEL,
      { timeoutMs: 60_000, what: `${PER_CHANNEL} sends on each channel` },
    );
    const slow = arrivals(limited.phoneNumberId).sort((a, b) => a - b);
    const quick = arrivals(fast.phoneNumberId).sort((a, b) => a - b);

    const offsets = `limited ${slow.map((t) => t - Date.parse(scheduleTime)).join(' ')} ms; fast ${quick.map((t) => t - Date.parse(scheduleTime)).join(' ')} ms`;
    // At most its rate in any second (one more for the burst), so 20 sends take about 19 slots of 500 ms.
    expect(busiestSecond(slow), offsets).toBeLessThanOrEqual(3);
    expect(slow.at(-1)! - slow[0]!, offsets).toBeGreaterThanOrEqual(8_500);
    // The other channel is not held behind the limited one's backlog: all out within seconds of falling due
    // (the time a loaded test machine takes to run 20 workflows), long before the limited one is through.
    expect(quick.at(-1)! - Date.parse(scheduleTime), offsets).toBeLessThan(6_000);
    expect(quick.at(-1)!, offsets).toBeLessThan(slow.at(-1)! - 3_000);
  });
});
