// Meta's throttling and refusal errors, end to end on a tenant's channel: the stand-in answers each with
// Meta's error body (…0003 pair rate limit 131056 twice, …0004 marketing stopped 131050, …0001 131026).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.ts';
import { balanceOf, ledgerOf, schedule, sendingTenant, SILENT_SANDBOX, waitForMessage, type SendingTenant } from '../messages/support.ts';
import { onChannel, registerChannel, type RegisteredChannel } from './support.ts';
import { expectLedgerConsistent } from '../billing/support.ts';
import { marketingTemplate } from '../consent/support.ts';

describe("Meta's throttling and refusals on a channel", () => {
  let herald: Harness;
  let tenant: SendingTenant;
  let channel: RegisteredChannel;
  let marketingTemplateId: string;
  beforeAll(async () => {
    herald = await startHarness({ worker: true, sandboxDelays: SILENT_SANDBOX });
    const sender = await sendingTenant(herald, '1.00');
    channel = await registerChannel(herald, sender);
    tenant = await onChannel(herald, sender, channel);
    marketingTemplateId = await marketingTemplate(herald, tenant);
  });
  afterAll(() => herald?.close());

  /** The send calls that reached the stand-in from the channel's number for a contact (by name: numbers repeat endings). */
  const callsTo = (name: string) =>
    herald.sandbox.sent.filter((record) => record.phoneNumberId === channel.phoneNumberId && record.bodyParameters[0] === name);

  it('131056 (pair rate limit) is retried with backoff, then sent once and charged once', async () => {
    const contactId = await tenant.contact('0003', 'Pat');
    const before = await balanceOf(herald, tenant.token);
    const scheduled = await schedule(herald, tenant, contactId);
    expect(scheduled.status).toBe(201);
    const sent = await waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.providerMessageId !== null);
    expect(sent).toMatchObject({ status: 'SENT', chargeState: 'CHARGED', fromPhoneNumberId: channel.phoneNumberId });

    const calls = callsTo('Pat');
    expect(calls.map((record) => [record.httpStatus, record.errorCode])).toEqual([
      [400, 131056],
      [400, 131056],
      [200, undefined],
    ]);
    expect(calls[2]!.wamid).toBe(sent.providerMessageId);
    // Backed off between attempts (Temporal's retry policy starts at 2 s), not hammered.
    expect(calls[1]!.receivedAt - calls[0]!.receivedAt).toBeGreaterThanOrEqual(1_500);
    expect(await balanceOf(herald, tenant.token)).toBe((Number(before) - 0.02).toFixed(4));
    const debits = (await ledgerOf(herald, tenant.token)).filter((entry: any) => entry.messageId === sent.id);
    expect(debits).toHaveLength(1);
  });

  it('131050 (marketing stopped) fails and refunds the message, and a later MARKETING message to the contact is a 422', async () => {
    const contactId = await tenant.contact('0004', 'Quinn');
    const before = await balanceOf(herald, tenant.token);
    const scheduled = await schedule(herald, tenant, contactId, { templateId: marketingTemplateId });
    expect(scheduled.status).toBe(201);
    const failed = await waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.chargeState === 'REFUNDED');
    expect(failed).toMatchObject({ status: 'FAILED', failureReason: 'PROVIDER_REJECTED', chargeState: 'REFUNDED', providerMessageId: null });
    expect(callsTo('Quinn').map((record) => record.errorCode)).toEqual([131050]);
    expect(await balanceOf(herald, tenant.token)).toBe(before);

    const again = await schedule(herald, tenant, contactId, { templateId: marketingTemplateId });
    expect(again.status).toBe(422);
    expect(again.body).toMatchObject({ code: 'UNPROCESSABLE_CONTENT', data: { reason: 'CONTACT_OPTED_OUT' } });
    expect(again.body.message).toMatch(/marketing/);
    // Only marketing stopped: a UTILITY message to the same contact is still accepted.
    expect((await schedule(herald, tenant, contactId, { scheduleTime: new Date(Date.now() + 3600_000).toISOString() })).status).toBe(201);
    await expectLedgerConsistent(herald);
  });

  it('131026 (undeliverable) fails and refunds the message, without a retry', async () => {
    const contactId = await tenant.contact('0001', 'Robin');
    const before = await balanceOf(herald, tenant.token);
    const scheduled = await schedule(herald, tenant, contactId);
    const failed = await waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.chargeState === 'REFUNDED');
    expect(failed).toMatchObject({ status: 'FAILED', failureReason: 'PROVIDER_REJECTED', chargeState: 'REFUNDED' });
    expect(callsTo('Robin').map((record) => record.errorCode)).toEqual([131026]);
    expect(await balanceOf(herald, tenant.token)).toBe(before);
    // A MARKETING message to this contact is not refused: only 131050 stops marketing.
    expect((await schedule(herald, tenant, contactId, { templateId: marketingTemplateId, scheduleTime: new Date(Date.now() + 3600_000).toISOString() })).status).toBe(201);
  });
});
