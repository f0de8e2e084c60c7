import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHeraldClient } from '../../client-sdk/index.ts';
import { superAdmin } from '../support/actors.ts';
import { startHarness, type Harness } from '../support/harness.ts';

/** The documentation's seed story, end to end through the typed client SDK (tRPC). */
describe('a new business gets going with the client SDK', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ worker: true });
  });
  afterAll(() => herald?.close());

  it('registers, signs in, imports contacts, registers a template and receives credits', async () => {
    const anonymous = createHeraldClient({ url: herald.url });
    const registered = await anonymous.auth.registerTenant.mutate({
      tenantName: 'Acme Corp',
      slug: 'acme-sdk',
      adminEmail: 'admin@acme-sdk.com',
      adminPassword: 'password123',
      adminName: 'John Doe',
    });
    expect(registered.tenant.balance).toBe('0.0000');

    const { token } = await anonymous.auth.login.mutate({ email: 'admin@acme-sdk.com', password: 'password123' });
    const admin = createHeraldClient({ url: herald.url, token: () => token });

    const imported = await admin.contacts.import.mutate({
      contacts: [
        { phone: '+15551234567', name: 'Alice', attributes: { city: 'NY' } },
        { phone: '+15559876543', name: 'Bob' },
      ],
    });
    expect(imported).toEqual({ imported: 2, skipped: 0, invalid: [] });

    const template = await admin.templates.create.mutate({
      name: 'welcome_message',
      content: 'Hello {{1}}, welcome!',
      variables: ['name'],
      metaTemplateId: 'meta_12345',
      status: 'APPROVED',
    });
    expect(template).toMatchObject({ language: 'en_US', category: 'UTILITY', status: 'APPROVED' });

    const operator = createHeraldClient({ url: herald.url, token: (await superAdmin(herald)).token });
    const topUp = await operator.billing.addCredits.mutate({ tenantId: registered.tenant.id, amount: 100.0, description: 'Initial top-up' });
    expect(topUp.balance).toBe('100.0000');

    expect(await admin.billing.balance.query({})).toEqual({ tenantId: registered.tenant.id, balance: '100.0000' });
    const ledger = await admin.billing.ledger.query({});
    expect(ledger.items).toEqual([
      expect.objectContaining({ type: 'CREDIT', reason: 'TOPUP', amount: '100.0000', balanceAfter: '100.0000' }),
    ]);
    const contacts = await admin.contacts.list.query({});
    expect(contacts.items.map((contact) => contact.name).sort()).toEqual(['Alice', 'Bob']);

    // Schedule a welcome message to Alice through the SDK and follow it to the read receipt.
    const alice = contacts.items.find((contact) => contact.name === 'Alice')!;
    const message = await admin.messages.schedule.mutate({
      templateId: template.id,
      contactId: alice.id,
      scheduleTime: new Date().toISOString(),
      idempotencyKey: 'welcome-alice',
    });
    expect(message.status).toBe('SCHEDULED');
    await expect
      .poll(async () => (await admin.messages.get.query({ id: message.id })).status, { timeout: 30_000, interval: 200 })
      .toBe('READ');
    expect(await admin.billing.balance.query({})).toEqual({ tenantId: registered.tenant.id, balance: '99.9800' });

    // Errors carry the REST status too.
    await expect(admin.billing.addCredits.mutate({ tenantId: registered.tenant.id, amount: 1, description: 'x' })).rejects.toMatchObject({
      data: { httpStatus: 403 },
    });
  });
});
