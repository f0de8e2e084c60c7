import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { bearer } from '../support/actors.ts';
import { balanceOf, ledgerOf, schedule, sendingTenant, waitForMessage } from './support.ts';
import { expectLedgerConsistent } from '../billing/support.ts';

// The sandbox's …0006 numbers accept the send and send its statuses, but drop the connection before answering:
// Herald never hears the wamid from the call. Meta has no idempotency key; its statuses carry the send's
// biz_opaque_callback_data, which is how the next attempt knows the message went out.
describe('a send whose answer is lost', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ worker: true });
  });
  afterEach(() => expectLedgerConsistent(herald));
  afterAll(() => herald?.close());

  /** The recovered-sends counter as an operator's Prometheus scrapes it (API and worker share this test process). */
  const recovered = async () => {
    const response = await fetch(`${herald.url}/metrics`);
    return Number(/^herald_whatsapp_sends_recovered_total (\d+)$/m.exec(await response.text())?.[1]);
  };

  it('is recognised by its statuses: sent once, charged once, followed to READ', { timeout: 90_000 }, async () => {
    const recoveredBefore = await recovered();
    const tenant = await sendingTenant(herald, '1.00');
    const contactId = await tenant.contact('0006', 'Lost');
    const scheduled = await schedule(herald, tenant, contactId);
    expect(scheduled.status).toBe(201);

    const read = await waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.status === 'READ', 75_000);
    expect(read).toMatchObject({ status: 'READ', chargeState: 'CHARGED', cost: '0.0200', providerMessageId: expect.stringMatching(/^wamid\./) });

    // WhatsApp was called once for this number, and the wamid Herald keeps is the one that call got.
    const contact = await rest(herald, 'GET', `/contacts/${contactId}`, undefined, bearer(tenant.token));
    const calls = herald.sandbox.sent.filter((call) => call.to === contact.body.phone);
    expect(calls).toEqual([expect.objectContaining({ httpStatus: 200, wamid: read.providerMessageId })]);
    const sent = read.history.find((event: { status: string; source: string }) => event.status === 'SENT' && event.source === 'WORKFLOW');
    expect(sent.detail).toMatch(/answer was lost/);
    expect((await recovered()) - recoveredBefore).toBe(1);

    expect(await balanceOf(herald, tenant.token)).toBe('0.9800');
    const debits = (await ledgerOf(herald, tenant.token)).filter((entry: { reason: string }) => entry.reason === 'MESSAGE');
    expect(debits).toHaveLength(1);
  });

  it('gives Meta the message id as callback data on every send', async () => {
    const tenant = await sendingTenant(herald, '1.00');
    const scheduled = await schedule(herald, tenant, await tenant.contact('4242'));
    const read = await waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.status === 'READ');
    expect(read.status).toBe('READ');
    const call = herald.sandbox.sent.find((record) => record.wamid === read.providerMessageId);
    expect(call?.callbackData).toBe(`herald:message:${read.id}`);
  });
});
