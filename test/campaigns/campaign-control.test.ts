// Pause, resume and cancel against a slow number (its own channel at a few sends per second), so the
// campaign is caught in the middle of its dispatch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { eventually } from '../support/eventually.ts';
import { balanceOf, sendingTenant, sendsTo, SILENT_SANDBOX } from '../messages/support.ts';
import { onChannel, registerChannel } from '../channels/support.ts';
import { campaignWorkflowCount, createCampaign, heldAtGate, importContacts, waitForCampaign } from './support.ts';
import { expectLedgerConsistent } from '../billing/support.ts';

describe('a campaign paused, resumed and cancelled in the middle of its dispatch', () => {
  let herald: Harness;
  beforeAll(async () => {
    // Statuses are held back: the cores go to the sends.
    herald = await startHarness({ worker: true, sandboxDelays: SILENT_SANDBOX });
  });
  afterAll(() => herald?.close());

  /** What `sent` messages cost (UTILITY, 0.0200 each), as the API writes it. */
  const charge = (sent: number) => `0.${String(sent * 200).padStart(4, '0')}`;

  async function slowCampaign(size: number, rate: number) {
    const sender = await sendingTenant(herald, '10.00');
    const channel = await registerChannel(herald, sender, { name: 'Slow', rateLimitPerSecond: rate });
    const tenant = await onChannel(herald, sender, channel);
    const contacts = await importContacts(herald, tenant, Array.from({ length: size }, () => ({})));
    const created = await createCampaign(herald, tenant, { channelId: channel.id, audience: { contactIds: contacts.map((contact) => contact.id) } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const phones = contacts.map((contact) => contact.phone);
    const sends = () => sendsTo(herald, phones).length;
    await expect.poll(sends, { timeout: 30_000, interval: 50 }).toBeGreaterThanOrEqual(2);
    return { tenant, id: created.body.id as string, sends, phones };
  }

  it('pause: due messages wait, nothing is debited or sent; resume: the rest goes out, once each', async () => {
    const { tenant, id, sends, phones } = await slowCampaign(16, 3);
    const paused = await rest(herald, 'POST', `/campaigns/${id}/pause`, undefined, bearer(tenant.token));
    expect(paused.status).toBe(200);
    expect(paused.body.status).toBe('PAUSED');
    expect((await rest(herald, 'POST', `/campaigns/${id}/pause`, undefined, bearer(tenant.token))).status).toBe(409);
    // What was already in its send call finishes; every other message comes to the gate and is held there, and a
    // held message moves only when it is released by a resume: from then on nothing is debited or sent.
    const { sent: sentAtPause } = await eventually(
      async () => ({ held: await heldAtGate(herald, id), sent: sends() }),
      (now) => now.held + now.sent === 16,
      { timeoutMs: 30_000, what: 'every message of the paused campaign sent or held at its gate' },
    );
    const balanceAtPause = await balanceOf(herald, tenant.token);
    const waiting = (await rest(herald, 'GET', `/campaigns/${id}`, undefined, bearer(tenant.token))).body;
    expect(sentAtPause).toBeLessThan(16);
    expect(waiting).toMatchObject({ status: 'PAUSED', counts: { SCHEDULED: 16 - sentAtPause }, charged: charge(sentAtPause) });
    expect(sends()).toBe(sentAtPause);
    expect(await balanceOf(herald, tenant.token)).toBe(balanceAtPause);

    const resumed = await rest(herald, 'POST', `/campaigns/${id}/resume`, undefined, bearer(tenant.token));
    expect(resumed.status).toBe(200);
    expect(resumed.body.status).toBe('RUNNING');
    const done = await waitForCampaign(herald, tenant.token, id, (campaign) => campaign.status === 'COMPLETED', 45_000);
    expect(done).toMatchObject({ status: 'COMPLETED', counts: { SENT: 16, SCHEDULED: 0 }, charged: '0.3200' });
    expect(sends()).toBe(16);
    expect(new Set(sendsTo(herald, phones).map((record) => record.to)).size).toBe(16);
    await expectLedgerConsistent(herald);
  });

  it('cancel: every message not yet dispatched is CANCELLED and never sent; the dispatched ones stand', async () => {
    const { tenant, id, sends } = await slowCampaign(16, 2);
    const cancelled = await rest(herald, 'POST', `/campaigns/${id}/cancel`, undefined, bearer(tenant.token));
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    // Every workflow of the campaign still running is a message already sent (it waits for its statuses): the
    // campaign's own and its cancelled messages' have ended, so nothing more can go out.
    const { sent } = await eventually(
      async () => ({ running: await campaignWorkflowCount(herald, id, ` AND ExecutionStatus = 'Running'`), sent: sends() }),
      (now) => now.running === now.sent,
      { timeoutMs: 20_000, what: 'only the sent messages of the cancelled campaign still running' },
    );
    expect(sent).toBeLessThan(16);

    const after = (await rest(herald, 'GET', `/campaigns/${id}`, undefined, bearer(tenant.token))).body;
    expect(after.counts).toMatchObject({ SENT: sent, CANCELLED: 16 - sent, SCHEDULED: 0 });
    expect(after.charged).toBe(charge(sent));
    const list = await rest(herald, 'GET', `/campaigns/${id}/messages?status=CANCELLED&limit=100`, undefined, bearer(tenant.token));
    expect(list.body.items).toHaveLength(16 - sent);
    for (const action of ['pause', 'resume', 'cancel']) {
      expect((await rest(herald, 'POST', `/campaigns/${id}/${action}`, undefined, bearer(tenant.token))).status).toBe(409);
    }
    await expectLedgerConsistent(herald);
  });
});
