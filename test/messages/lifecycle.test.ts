import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stateQuery } from '../../workflows/shared.ts';
import { bearer } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { balanceOf, ledgerOf, schedule, sendingTenant, waitForMessage } from './support.ts';
import { expectLedgerConsistent } from '../billing/support.ts';

describe('a scheduled message, from schedule to read receipt', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ worker: true });
  });
  afterEach(() => expectLedgerConsistent(herald));
  afterAll(() => herald?.close());

  it('is sent at its time, charged once, and followed to READ', async () => {
    const tenant = await sendingTenant(herald, '10.00');
    const contactId = await tenant.contact('4242', 'Alice');
    const scheduled = await schedule(herald, tenant, contactId);
    expect(scheduled.status).toBe(201);
    expect(scheduled.body).toMatchObject({ status: 'SCHEDULED', chargeState: 'NONE', cost: null });

    const read = await waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.status === 'READ');
    expect(read).toMatchObject({ status: 'READ', chargeState: 'CHARGED', cost: '0.0200', providerMessageId: expect.stringMatching(/^wamid\./) });
    expect(read.sentAt && read.deliveredAt && read.readAt).toBeTruthy();
    const statuses = read.history.map((event: { status: string }) => event.status);
    expect(statuses.slice(0, 3)).toEqual(['SCHEDULED', 'DISPATCHING', 'SENT']);
    expect(statuses).toEqual(expect.arrayContaining(['DELIVERED', 'READ']));

    // What WhatsApp received: the template, its language and the contact's name as the body parameter.
    const calls = herald.sandbox.sent.filter((call) => call.wamid === read.providerMessageId);
    expect(calls).toEqual([expect.objectContaining({ templateName: 'welcome_message', language: 'en_US', bodyParameters: ['Alice'], httpStatus: 200 })]);

    expect(await balanceOf(herald, tenant.token)).toBe('9.9800');
    const debit = (await ledgerOf(herald, tenant.token)).find((entry: { reason: string }) => entry.reason === 'MESSAGE');
    expect(debit).toMatchObject({ type: 'DEBIT', amount: '0.0200', balanceAfter: '9.9800', messageId: read.id });

    // Operators find it in Temporal by tenant and status.
    const description = await herald.temporal.workflow.getHandle(`message-${read.id}`).describe();
    expect(description.searchAttributes).toMatchObject({ TenantId: [tenant.tenantId] });
    const handle = herald.temporal.workflow.getHandle(`message-${read.id}`);
    await expect.poll(async () => (await handle.describe()).searchAttributes.MessageStatus, { timeout: 10_000 }).toEqual(['READ']);
    expect(await handle.query(stateQuery)).toMatchObject({ phase: 'DONE', status: 'READ', charged: true, refunded: false });
  });

  it('refunds exactly once when WhatsApp reports the delivery failed', async () => {
    const tenant = await sendingTenant(herald, '1.00');
    const scheduled = await schedule(herald, tenant, await tenant.contact('0000'));
    const failed = await waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.chargeState === 'REFUNDED');
    expect(failed).toMatchObject({ status: 'FAILED', chargeState: 'REFUNDED', failureReason: 'DELIVERY_FAILED', providerErrorCode: 131026 });
    expect(await balanceOf(herald, tenant.token)).toBe('1.0000');
    const ledger = await ledgerOf(herald, tenant.token);
    const debit = ledger.find((entry: { reason: string }) => entry.reason === 'MESSAGE');
    const refunds = ledger.filter((entry: { reason: string }) => entry.reason === 'REFUND');
    expect(refunds).toEqual([expect.objectContaining({ type: 'CREDIT', amount: debit.amount, messageId: failed.id })]);
  });

  it('fails and refunds without any webhook when WhatsApp refuses the send', async () => {
    const tenant = await sendingTenant(herald, '1.00');
    const scheduled = await schedule(herald, tenant, await tenant.contact('0001'));
    const failed = await waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.chargeState === 'REFUNDED');
    expect(failed).toMatchObject({ status: 'FAILED', failureReason: 'PROVIDER_REJECTED', providerErrorCode: 131026, providerMessageId: null });
    expect(await balanceOf(herald, tenant.token)).toBe('1.0000');
  });

  it('retries a throttled send with backoff, then delivers it', async () => {
    const tenant = await sendingTenant(herald, '1.00');
    const contactId = await tenant.contact('0002');
    const scheduled = await schedule(herald, tenant, contactId);
    const delivered = await waitForMessage(herald, tenant.token, scheduled.body.id, (message) => ['DELIVERED', 'READ'].includes(message.status));
    expect(delivered.chargeState).toBe('CHARGED');
    const attempts = herald.sandbox.sent.filter((call) => call.to.endsWith('0002') && call.bodyParameters[0] === 'Alice').map((call) => call.httpStatus);
    expect(attempts.slice(-3)).toEqual([429, 429, 200]);
    expect(await balanceOf(herald, tenant.token)).toBe('0.9800');
  });

  it('fails without charge and without calling WhatsApp when funds are short', async () => {
    const tenant = await sendingTenant(herald, 0);
    const callsBefore = herald.sandbox.sent.length;
    const scheduled = await schedule(herald, tenant, await tenant.contact('4343'));
    const failed = await waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.status === 'FAILED');
    expect(failed).toMatchObject({ status: 'FAILED', failureReason: 'INSUFFICIENT_FUNDS', chargeState: 'NONE' });
    expect(await ledgerOf(herald, tenant.token)).toEqual([]);
    expect(herald.sandbox.sent.slice(callsBefore).filter((call) => call.to.endsWith('4343'))).toEqual([]);
  });

  it('lists messages by status', async () => {
    const tenant = await sendingTenant(herald, '1.00');
    const later = await schedule(herald, tenant, await tenant.contact('5151'), { scheduleTime: new Date(Date.now() + 3600_000).toISOString() });
    const list = await rest(herald, 'GET', '/messages?status=SCHEDULED', undefined, bearer(tenant.token));
    expect(list.status).toBe(200);
    expect(list.body.items.map((message: { id: string }) => message.id)).toEqual([later.body.id]);
    expect((await rest(herald, 'GET', '/messages?status=READ', undefined, bearer(tenant.token))).body.items).toEqual([]);
  });
});
