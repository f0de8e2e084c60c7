import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { balanceOf, postStatus, schedule, sendingTenant, SILENT_SANDBOX, waitForMessage, type SendingTenant } from '../messages/support.ts';
import { onChannel, registerChannel, type RegisteredChannel } from './support.ts';

describe('messages leave from the channel they were scheduled on', () => {
  let herald: Harness;
  beforeAll(async () => {
    // Meta's statuses come only from the test, so each one's number is the test's choice.
    herald = await startHarness({ worker: true, sandboxDelays: SILENT_SANDBOX });
  });
  afterAll(() => herald?.close());

  async function sentOn(tenant: SendingTenant, extra: Record<string, unknown> = {}) {
    const scheduled = await schedule(herald, tenant, await tenant.contact(), extra);
    expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(201);
    return waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.providerMessageId !== null);
  }

  async function postStatusFrom(phoneNumberId: string, wamid: string, status: 'delivered' | 'failed') {
    const failure = { errors: [{ code: 131026, title: 'Message undeliverable' }] };
    expect(await postStatus(herald, wamid, status, status === 'failed' ? failure : {}, phoneNumberId)).toBe(200);
  }

  it("two tenants' messages each leave from their own number with their own token; a tenant without a channel uses the platform number", async () => {
    const first = await sendingTenant(herald);
    const second = await sendingTenant(herald);
    const platformUser = await sendingTenant(herald);
    const firstChannel = await registerChannel(herald, first);
    const secondChannel = await registerChannel(herald, second);

    const [a, b, c] = await Promise.all([
      sentOn(await onChannel(herald, first, firstChannel)),
      sentOn(await onChannel(herald, second, secondChannel)),
      sentOn(platformUser),
    ]);
    expect(a).toMatchObject({ status: 'SENT', channelId: firstChannel.id, chargeState: 'CHARGED' });
    expect(b).toMatchObject({ status: 'SENT', channelId: secondChannel.id });
    expect(c).toMatchObject({ status: 'SENT', channelId: null });
    // The stand-in only accepts each known number's own token, so an accepted send proves the token too.
    const numberOf = (wamid: string) => herald.sandbox.sent.find((record) => record.wamid === wamid)?.phoneNumberId;
    expect(numberOf(a.providerMessageId)).toBe(firstChannel.phoneNumberId);
    expect(numberOf(b.providerMessageId)).toBe(secondChannel.phoneNumberId);
    expect(numberOf(c.providerMessageId)).toBe(herald.config.whatsapp.phoneNumberId);
    // The message shows the number it left from.
    expect([a.fromPhoneNumberId, b.fromPhoneNumberId, c.fromPhoneNumberId]).toEqual([
      firstChannel.phoneNumberId,
      secondChannel.phoneNumberId,
      herald.config.whatsapp.phoneNumberId,
    ]);
  });

  it('a status naming another number than the message left from changes nothing', async () => {
    const first = await sendingTenant(herald);
    const second = await sendingTenant(herald);
    const firstChannel = await registerChannel(herald, first);
    const secondChannel: RegisteredChannel = await registerChannel(herald, second);
    const message = await sentOn(await onChannel(herald, first, firstChannel));

    await postStatusFrom(secondChannel.phoneNumberId, message.providerMessageId, 'failed');
    await postStatusFrom(herald.config.whatsapp.phoneNumberId, message.providerMessageId, 'failed');
    expect((await waitForMessage(herald, first.token, message.id, () => true)).status).toBe('SENT');

    // Webhooks are answered once handled, and the message's workflow takes its statuses in order: by the time the
    // right number's later status shows, anything the wrong ones had caused (a failure, a refund) would show too.
    await postStatusFrom(firstChannel.phoneNumberId, message.providerMessageId, 'delivered');
    const delivered = await waitForMessage(herald, first.token, message.id, (m) => m.status === 'DELIVERED');
    expect(delivered).toMatchObject({ status: 'DELIVERED', chargeState: 'CHARGED' });
    expect(delivered.history.map((event: any) => event.status)).not.toContain('FAILED');
  });

  it("schedules on a named channel, refuses another tenant's channel (422) and a disabled one (422)", async () => {
    const stranger = await sendingTenant(herald);
    const sender = await sendingTenant(herald);
    const tenant = await onChannel(herald, sender, await registerChannel(herald, sender));
    const second = await registerChannel(herald, tenant, { isDefault: false });
    const theirs = await registerChannel(herald, stranger);

    const named = await sentOn(tenant, { channelId: second.id });
    expect(named.channelId).toBe(second.id);
    expect(herald.sandbox.sent.find((record) => record.wamid === named.providerMessageId)?.phoneNumberId).toBe(second.phoneNumberId);

    const foreign = await schedule(herald, tenant, await tenant.contact(), { channelId: theirs.id });
    expect(foreign.status).toBe(422);
    expect(foreign.body.data.reason).toBe('CHANNEL_NOT_FOUND');

    expect((await rest(herald, 'PATCH', `/channels/${second.id}`, { status: 'DISABLED' }, bearer(tenant.token))).status).toBe(200);
    const disabled = await schedule(herald, tenant, await tenant.contact(), { channelId: second.id });
    expect(disabled.status).toBe(422);
    expect(disabled.body.data.reason).toBe('CHANNEL_DISABLED');
  });

  it('a channel disabled before its messages fall due fails them without charge, and sends nothing', async () => {
    const sender = await sendingTenant(herald, '1.00');
    const channel = await registerChannel(herald, sender);
    const tenant = await onChannel(herald, sender, channel);
    const contactId = await tenant.contact();
    const due = await schedule(herald, tenant, contactId, { scheduleTime: new Date(Date.now() + 2_500).toISOString() });
    expect(due.status).toBe(201);
    expect((await rest(herald, 'PATCH', `/channels/${channel.id}`, { status: 'DISABLED' }, bearer(tenant.token))).status).toBe(200);

    const failed = await waitForMessage(herald, tenant.token, due.body.id, (message) => message.status === 'FAILED');
    expect(failed).toMatchObject({ status: 'FAILED', failureReason: 'CHANNEL_DISABLED', chargeState: 'NONE', providerMessageId: null });
    expect(await balanceOf(herald, tenant.token)).toBe('1.0000');
    expect(herald.sandbox.sent.filter((record) => record.phoneNumberId === channel.phoneNumberId)).toEqual([]);
  });
});
