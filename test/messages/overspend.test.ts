import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { balanceOf, ledgerOf, sendingTenant, waitForMessage } from './support.ts';
import { expectLedgerConsistent } from '../billing/support.ts';

describe('overspend race', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ worker: true, sandboxDelays: { sent: 100, delivered: 200, read: 300 } });
  });
  afterAll(() => herald?.close());

  it('200 messages due at the same instant with funds for exactly 50: 50 sent, 150 refused, balance exactly 0', async () => {
    // A utility message costs 0.0200, so 1.0000 credit pays for exactly 50.
    const tenant = await sendingTenant(herald, '1.00');
    // Numbers ending 1000–1199: none of the sandbox's special endings (0000, 0001, 0002).
    const phones = Array.from({ length: 200 }, (_, i) => `+1555800${1000 + i}`);
    const imported = await rest(herald, 'POST', '/contacts/import', { contacts: phones.map((phone) => ({ phone, name: 'Racer' })) }, bearer(tenant.token));
    expect(imported.body).toMatchObject({ imported: 200, invalid: [] });
    const contacts: { id: string; phone: string }[] = [];
    for (let cursor: string | null = null, first = true; first || cursor; first = false) {
      const page: any = await rest(herald, 'GET', `/contacts?limit=100&search=Racer${cursor ? `&cursor=${cursor}` : ''}`, undefined, bearer(tenant.token));
      contacts.push(...page.body.items);
      cursor = page.body.nextCursor;
    }
    expect(contacts).toHaveLength(200);

    const dueAt = new Date(Date.now() + 8_000).toISOString();
    const ids: string[] = [];
    for (let i = 0; i < contacts.length; i += 25) {
      const batch = await Promise.all(
        contacts.slice(i, i + 25).map((contact) =>
          rest(herald, 'POST', '/messages/schedule', { templateId: tenant.templateId, contactId: contact.id, scheduleTime: dueAt, idempotencyKey: `race-${contact.id}` }, bearer(tenant.token)),
        ),
      );
      for (const response of batch) {
        expect(response.status).toBe(201);
        ids.push(response.body.id);
      }
    }

    const settled = (message: { status: string; chargeState: string }) =>
      message.status === 'FAILED' || (message.chargeState === 'CHARGED' && ['SENT', 'DELIVERED', 'READ'].includes(message.status));
    const outcomes = [];
    for (const id of ids) outcomes.push(await waitForMessage(herald, tenant.token, id, settled, 120_000));

    const charged = outcomes.filter((message) => message.chargeState === 'CHARGED');
    const refused = outcomes.filter((message) => message.failureReason === 'INSUFFICIENT_FUNDS');
    expect(charged).toHaveLength(50);
    expect(refused).toHaveLength(150);
    expect(refused.every((message) => message.chargeState === 'NONE' && message.providerMessageId === null)).toBe(true);
    expect(await balanceOf(herald, tenant.token)).toBe('0.0000');

    const ledger = await ledgerOf(herald, tenant.token);
    const debits = ledger.filter((entry: { reason: string }) => entry.reason === 'MESSAGE');
    expect(debits).toHaveLength(50);
    // Never negative at any point: every entry's balance after it is ≥ 0, and they chain to exactly zero.
    expect(ledger.every((entry: { balanceAfter: string }) => !entry.balanceAfter.startsWith('-'))).toBe(true);
    await expectLedgerConsistent(herald);

    // Exactly the 50 charged messages reached WhatsApp.
    const sentTo = new Set(herald.sandbox.sent.filter((call) => call.httpStatus === 200).map((call) => call.to));
    const chargedPhones = new Set(charged.map((message) => contacts.find((contact) => contact.id === message.contactId)!.phone));
    expect(sentTo).toEqual(chargedPhones);
  }, 240_000);
});
