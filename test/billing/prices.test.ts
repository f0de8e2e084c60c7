// What a message really costs: the price list, a free UTILITY message inside the contact's 24-hour window on
// its channel, and a refund when Meta's status says the message is not billable (once, however often it says so).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTenantUser, superAdmin } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { onChannel as madeFor, registerChannel } from '../channels/support.ts';
import { contactOf, marketingTemplate, reached, write } from '../consent/support.ts';
import { balanceOf, ledgerOf, postStatus, schedule, sendingTenant, waitForMessage, type SendingTenant } from '../messages/support.ts';
import { expectLedgerConsistent } from './support.ts';

describe('prices', () => {
  let herald: Harness;
  let tenant: SendingTenant;
  beforeAll(async () => {
    herald = await startHarness({ worker: true });
    tenant = await sendingTenant(herald, '5.00');
  });
  afterAll(() => herald?.close());

  const entriesOf = async (messageId: string) => (await ledgerOf(herald, tenant.token)).filter((entry: any) => entry.messageId === messageId);
  const phoneOf = async (contactId: string) => (await contactOf(herald, tenant.token, contactId)).phone as string;
  const readMessage = (id: string) => waitForMessage(herald, tenant.token, id, (message) => message.status === 'READ');

  it('GET /billing/prices: the price per category, for ADMIN, SUB_ADMIN and the operator', async () => {
    const expected = { MARKETING: '0.0500', UTILITY: '0.0200', AUTHENTICATION: '0.0150' };
    const operator = await superAdmin(herald);
    const subAdmin = await createTenantUser(herald, tenant, 'SUB_ADMIN');
    for (const token of [tenant.token, subAdmin.token, operator.token]) {
      const response = await rest(herald, 'GET', '/billing/prices', undefined, bearer(token));
      expect(response.status).toBe(200);
      expect(response.body).toEqual(expected);
    }
    expect((await rest(herald, 'GET', '/billing/prices')).status).toBe(401);
  });

  it('a UTILITY message inside the window costs 0 and posts no debit; outside it, or MARKETING, costs the price', async () => {
    const writer = await tenant.contact('4242', 'Hal');
    const silent = await tenant.contact('4242', 'Ivy');
    const stale = await tenant.contact('4242', 'Jo');
    // Replies to the platform number, each quoting the tenant's message it answers.
    await write(herald, await phoneOf(writer), 'hi', { quoting: await reached(herald, tenant, writer) });
    // A message from 25 hours ago opened a window that has closed.
    await write(herald, await phoneOf(stale), 'hello', { at: new Date(Date.now() - 25 * 3600_000), quoting: await reached(herald, tenant, stale) });
    const before = await balanceOf(herald, tenant.token);

    const free = await schedule(herald, tenant, writer);
    const paid = await schedule(herald, tenant, silent);
    const closed = await schedule(herald, tenant, stale);
    const marketing = await schedule(herald, tenant, writer, { templateId: await marketingTemplate(herald, tenant) });
    expect(await readMessage(free.body.id)).toMatchObject({ status: 'READ', cost: '0.0000', priceReason: 'FREE_SERVICE_WINDOW', chargeState: 'NONE' });
    expect(await entriesOf(free.body.id)).toEqual([]);
    expect(await readMessage(paid.body.id)).toMatchObject({ cost: '0.0200', priceReason: null, chargeState: 'CHARGED' });
    expect(await readMessage(closed.body.id)).toMatchObject({ cost: '0.0200', priceReason: null, chargeState: 'CHARGED' });
    expect(await readMessage(marketing.body.id)).toMatchObject({ cost: '0.0500', priceReason: null, chargeState: 'CHARGED' });
    expect(await entriesOf(paid.body.id)).toMatchObject([{ type: 'DEBIT', reason: 'MESSAGE', amount: '0.0200' }]);
    expect(await balanceOf(herald, tenant.token)).toBe((Number(before) - 0.02 - 0.02 - 0.05).toFixed(4));
    await expectLedgerConsistent(herald);
  });

  it('the window is per channel: writing to a channel makes UTILITY free there, not on the platform number', async () => {
    const channel = await registerChannel(herald, tenant, { isDefault: false });
    const contactId = await tenant.contact('4242', 'Kit');
    await write(herald, await phoneOf(contactId), 'question about my order', { phoneNumberId: channel.phoneNumberId });

    const onChannel = await schedule(herald, await madeFor(herald, tenant, channel), contactId, { channelId: channel.id });
    const onPlatform = await schedule(herald, tenant, contactId);
    expect(await readMessage(onChannel.body.id)).toMatchObject({ channelId: channel.id, cost: '0.0000', priceReason: 'FREE_SERVICE_WINDOW' });
    expect(await readMessage(onPlatform.body.id)).toMatchObject({ channelId: null, cost: '0.0200', chargeState: 'CHARGED' });
    expect(await entriesOf(onChannel.body.id)).toEqual([]);
  });

  it('pricing.billable false refunds a charged message once, under duplicate and concurrent webhooks', async () => {
    const contactId = await tenant.contact('4242', 'Lou');
    const scheduled = await schedule(herald, tenant, contactId);
    // Read: its workflow has finished; the refund does not depend on it.
    const read = await readMessage(scheduled.body.id);
    expect(read).toMatchObject({ chargeState: 'CHARGED', cost: '0.0200' });
    const before = await balanceOf(herald, tenant.token);

    const unbillable = { pricing: { billable: false, pricing_model: 'PMP', category: 'utility', type: 'free_customer_service' } };
    const answers = await Promise.all([1, 2, 3].map(() => postStatus(herald, read.providerMessageId, 'delivered', unbillable)));
    expect(answers).toEqual([200, 200, 200]);
    expect(await postStatus(herald, read.providerMessageId, 'read', unbillable)).toBe(200);

    const refunded = await waitForMessage(herald, tenant.token, read.id, (message) => message.chargeState === 'REFUNDED');
    expect(refunded).toMatchObject({ status: 'READ', chargeState: 'REFUNDED' });
    const entries = await entriesOf(read.id);
    expect(entries.map((entry: any) => `${entry.type} ${entry.reason} ${entry.amount}`).sort()).toEqual(['CREDIT REFUND 0.0200', 'DEBIT MESSAGE 0.0200']);
    expect(await balanceOf(herald, tenant.token)).toBe((Number(before) + 0.02).toFixed(4));
    await expectLedgerConsistent(herald);
  });

  it('pricing.billable true, or a free message Meta calls not billable, moves no money', async () => {
    const writer = await tenant.contact('4242', 'Max');
    await write(herald, await phoneOf(writer), 'hi', { quoting: await reached(herald, tenant, writer) });
    const free = await readMessage((await schedule(herald, tenant, writer)).body.id);
    const paid = await readMessage((await schedule(herald, tenant, await tenant.contact('4242', 'Ned'))).body.id);
    const before = await balanceOf(herald, tenant.token);
    expect(await postStatus(herald, free.providerMessageId, 'delivered', { pricing: { billable: false, pricing_model: 'PMP', category: 'utility' } })).toBe(200);
    expect(await postStatus(herald, paid.providerMessageId, 'delivered', { pricing: { billable: true, pricing_model: 'PMP', category: 'utility' } })).toBe(200);
    expect((await rest(herald, 'GET', `/messages/${free.id}`, undefined, bearer(tenant.token))).body.chargeState).toBe('NONE');
    expect((await rest(herald, 'GET', `/messages/${paid.id}`, undefined, bearer(tenant.token))).body.chargeState).toBe('CHARGED');
    expect(await balanceOf(herald, tenant.token)).toBe(before);
  });
});
