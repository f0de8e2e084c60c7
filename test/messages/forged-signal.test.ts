import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { providerStatusSignal, stateQuery } from '../../workflows/shared.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { balanceOf, ledgerOf, postStatus, schedule, sendingTenant, waitForMessage, SILENT_SANDBOX } from './support.ts';
import { expectLedgerConsistent } from '../billing/support.ts';


/** Resolves once the workflow has run an activity (a local one leaves a marker) in answer to the signal it received last. */
async function signalHandled(herald: Harness, workflowId: string) {
  await expect
    .poll(
      async () => {
        const events = (await herald.temporal.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
        const signalled = events.findLastIndex((event) => event.workflowExecutionSignaledEventAttributes);
        return signalled >= 0 && events.slice(signalled).some((event) => event.activityTaskCompletedEventAttributes || event.markerRecordedEventAttributes);
      },
      { timeout: 15_000 },
    )
    .toBe(true);
}

describe('a providerStatus signal is a wake-up, never proof', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ worker: true, sandboxDelays: SILENT_SANDBOX });
  });
  afterEach(() => expectLedgerConsistent(herald));
  afterAll(() => herald?.close());

  it('a forged failed signal to a SENT message refunds nothing; the real delivered and read still apply', async () => {
    const tenant = await sendingTenant(herald, '1.00');
    const scheduled = await schedule(herald, tenant, await tenant.contact('6161'));
    expect(scheduled.status).toBe(201);
    const sent = await waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.providerMessageId !== null);
    expect(sent).toMatchObject({ status: 'SENT', chargeState: 'CHARGED' });
    expect(await balanceOf(herald, tenant.token)).toBe('0.9800');

    // Anyone who reaches the Temporal frontend can send this; nothing about it is stored in PostgreSQL.
    const workflowId = `message-${sent.id}`;
    const handle = herald.temporal.workflow.getHandle(workflowId);
    await handle.signal(providerStatusSignal, { status: 'failed', timestamp: new Date().toISOString(), errorCode: 131026 });
    await signalHandled(herald, workflowId);

    const after = await waitForMessage(herald, tenant.token, sent.id, () => true);
    expect(after).toMatchObject({ status: 'SENT', chargeState: 'CHARGED', failureReason: null });
    expect((await ledgerOf(herald, tenant.token)).filter((entry: { reason: string }) => entry.reason === 'REFUND')).toEqual([]);
    expect(await balanceOf(herald, tenant.token)).toBe('0.9800');
    expect(await handle.query(stateQuery)).toMatchObject({ phase: 'AWAITING_STATUS', status: 'SENT', charged: true, refunded: false });

    // Meta's real statuses, signed, still move the message on; the charge stands.
    expect(await postStatus(herald, sent.providerMessageId, 'delivered')).toBe(200);
    expect(await postStatus(herald, sent.providerMessageId, 'read')).toBe(200);
    await expect.poll(async () => (await handle.describe()).status.name, { timeout: 15_000 }).toBe('COMPLETED');
    expect(await handle.result()).toMatchObject({ status: 'READ', charged: true, refunded: false });
    expect(await waitForMessage(herald, tenant.token, sent.id, () => true)).toMatchObject({ status: 'READ', chargeState: 'CHARGED' });
    expect((await handle.describe()).searchAttributes.MessageStatus).toEqual(['READ']);
    expect(await balanceOf(herald, tenant.token)).toBe('0.9800');
  });

  it('a forged read signal does not end the wait: a real failed that follows is still refunded', async () => {
    const tenant = await sendingTenant(herald, '1.00');
    const scheduled = await schedule(herald, tenant, await tenant.contact('6262'));
    const sent = await waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.providerMessageId !== null);
    const workflowId = `message-${sent.id}`;
    await herald.temporal.workflow.getHandle(workflowId).signal(providerStatusSignal, { status: 'read', timestamp: new Date().toISOString() });
    await signalHandled(herald, workflowId);
    expect((await herald.temporal.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');

    expect(await postStatus(herald, sent.providerMessageId, 'failed', { errors: [{ code: 131026, title: 'Message undeliverable' }] })).toBe(200);
    const failed = await waitForMessage(herald, tenant.token, sent.id, (message) => message.chargeState === 'REFUNDED');
    expect(failed).toMatchObject({ status: 'FAILED', chargeState: 'REFUNDED', failureReason: 'DELIVERY_FAILED' });
    expect(await balanceOf(herald, tenant.token)).toBe('1.0000');
  });
});
