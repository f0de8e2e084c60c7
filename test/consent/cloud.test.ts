// Cloud mode against the local stand-in for Meta: the same consent and price rules, with what differs from the
// sandbox — no simulated "write back" (contacts write through Meta's own signed webhooks only).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { ledgerOf, schedule, sendingTenant, waitForMessage, type SendingTenant } from '../messages/support.ts';
import { contactOf, marketingTemplate, reached, write } from './support.ts';

describe('consent and prices in cloud mode', () => {
  let herald: Harness;
  let tenant: SendingTenant;
  beforeAll(async () => {
    herald = await startHarness({ worker: true, cloud: true });
    tenant = await sendingTenant(herald, '5.00');
  });
  afterAll(() => herald?.close());

  it("STOP through Meta's webhook refuses the next marketing message; \"hi\" makes the next UTILITY one free; no sandbox write-back", async () => {
    expect(herald.config.whatsappMode).toBe('cloud');
    const contactId = await tenant.contact('4242', 'Olga');
    const phone = (await contactOf(herald, tenant.token, contactId)).phone;
    const simulated = await rest(herald, 'POST', '/sandbox/inbound', { from: phone, text: 'STOP' }, bearer(tenant.token));
    expect(simulated.status).toBe(404);
    expect(simulated.body.data.reason).toBe('SANDBOX_ONLY');

    const quoting = await reached(herald, tenant, contactId);
    await write(herald, phone, 'hi', { quoting });
    const free = await waitForMessage(herald, tenant.token, (await schedule(herald, tenant, contactId)).body.id, (message) => message.providerMessageId !== null);
    expect(free).toMatchObject({ cost: '0.0000', priceReason: 'FREE_SERVICE_WINDOW', chargeState: 'NONE' });
    expect((await ledgerOf(herald, tenant.token)).filter((entry: any) => entry.messageId === free.id)).toEqual([]);

    await write(herald, phone, 'STOP', { quoting });
    expect((await contactOf(herald, tenant.token, contactId)).optOut).toBe('ALL');
    const marketing = await schedule(herald, tenant, contactId, { templateId: await marketingTemplate(herald, tenant) });
    expect(marketing.status).toBe(422);
    expect(marketing.body.data.reason).toBe('CONTACT_OPTED_OUT');
  });
});
