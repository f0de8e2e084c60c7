import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { statusEnvelope } from '../../server/modules/whatsapp/sandbox-format.ts';
import { signPayload } from '../../server/modules/whatsapp/signature.ts';
import { rest, startHarness, testConfig, type Harness } from '../support/harness.ts';
import { balanceOf, ledgerOf, postStatus, postWebhook, schedule, sendingTenant, waitForMessage, type SendingTenant, SILENT_SANDBOX } from './support.ts';
import { expectLedgerConsistent } from '../billing/support.ts';

const REFUND = (entry: { reason: string }) => entry.reason === 'REFUND';
const events = (message: { history: { status: string; source: string }[] }, status: string, source = 'PROVIDER') =>
  message.history.filter((event) => event.status === status && event.source === source);

/** A tenant with 1.00 credit and one message accepted by WhatsApp (status SENT, charged 0.02). */
async function sentMessage(herald: Harness): Promise<{ tenant: SendingTenant; id: string; wamid: string }> {
  const tenant = await sendingTenant(herald, '1.00');
  const scheduled = await schedule(herald, tenant, await tenant.contact('7373'));
  expect(scheduled.status).toBe(201);
  const sent = await waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.providerMessageId !== null);
  expect(sent).toMatchObject({ status: 'SENT', chargeState: 'CHARGED' });
  return { tenant, id: sent.id, wamid: sent.providerMessageId };
}

const workflowDone = (herald: Harness, id: string) =>
  expect.poll(async () => (await herald.temporal.workflow.getHandle(`message-${id}`).describe()).status.name, { timeout: 15_000 }).toBe('COMPLETED');

describe("Meta's status webhooks, duplicated and out of order", () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ worker: true, sandboxDelays: SILENT_SANDBOX });
  });
  afterEach(() => expectLedgerConsistent(herald));
  afterAll(() => herald?.close());
  const message = (tenant: SendingTenant, id: string) => waitForMessage(herald, tenant.token, id, () => true);
  const failed = { errors: [{ code: 131026, title: 'Message undeliverable' }] };

  it('refunds once when the same failed status arrives five times at once', async () => {
    const { tenant, id, wamid } = await sentMessage(herald);
    expect(await balanceOf(herald, tenant.token)).toBe('0.9800');
    const answers = await Promise.all(Array.from({ length: 5 }, () => postStatus(herald, wamid, 'failed', failed)));
    expect(answers).toEqual([200, 200, 200, 200, 200]);

    await waitForMessage(herald, tenant.token, id, (current) => current.chargeState === 'REFUNDED');
    await workflowDone(herald, id);
    const final = await message(tenant, id);
    expect(final).toMatchObject({ status: 'FAILED', chargeState: 'REFUNDED', failureReason: 'DELIVERY_FAILED', providerErrorCode: 131026 });
    expect(events(final, 'FAILED')).toHaveLength(1);
    expect((await ledgerOf(herald, tenant.token)).filter(REFUND)).toHaveLength(1);
    expect(await balanceOf(herald, tenant.token)).toBe('1.0000');
  });

  it("records Meta's sent for a SENT message without waking its workflow, and wakes it for delivered", async () => {
    const { tenant, id, wamid } = await sentMessage(herald);
    const handle = herald.temporal.workflow.getHandle(`message-${id}`);
    const signals = async () =>
      ((await handle.fetchHistory()).events ?? []).filter((event) => event.workflowExecutionSignaledEventAttributes).length;
    expect(await postStatus(herald, wamid, 'sent')).toBe(200);
    expect(events(await message(tenant, id), 'SENT')).toHaveLength(1);
    expect(await signals()).toBe(0);
    // A repeat is signalled again: the first signal of a status that moved something may have been lost.
    expect(await postStatus(herald, wamid, 'delivered')).toBe(200);
    expect(await postStatus(herald, wamid, 'delivered')).toBe(200);
    await expect.poll(signals).toBe(2);
    await expect.poll(async () => (await handle.describe()).searchAttributes.MessageStatus).toEqual(['DELIVERED']);
    expect(await postStatus(herald, wamid, 'read')).toBe(200);
    await workflowDone(herald, id);
    expect(await message(tenant, id)).toMatchObject({ status: 'READ', chargeState: 'CHARGED' });
  });

  it('keeps READ when read arrives before delivered and sent, and the charge stands', async () => {
    const { tenant, id, wamid } = await sentMessage(herald);
    expect(await postStatus(herald, wamid, 'read')).toBe(200);
    expect(await postStatus(herald, wamid, 'delivered')).toBe(200);
    expect(await postStatus(herald, wamid, 'sent')).toBe(200);
    await workflowDone(herald, id);
    const final = await message(tenant, id);
    expect(final).toMatchObject({ status: 'READ', chargeState: 'CHARGED', readAt: expect.any(String), deliveredAt: expect.any(String) });
    expect(await balanceOf(herald, tenant.token)).toBe('0.9800');
  });

  it('keeps DELIVERED when sent arrives after delivered', async () => {
    const { tenant, id, wamid } = await sentMessage(herald);
    expect(await postStatus(herald, wamid, 'delivered')).toBe(200);
    expect(await postStatus(herald, wamid, 'sent')).toBe(200);
    expect(await message(tenant, id)).toMatchObject({ status: 'DELIVERED', chargeState: 'CHARGED' });
  });

  it('does not refund a failed status that comes after read; the history still records it', async () => {
    const { tenant, id, wamid } = await sentMessage(herald);
    expect(await postStatus(herald, wamid, 'read')).toBe(200);
    await workflowDone(herald, id);
    expect(await postStatus(herald, wamid, 'failed', failed)).toBe(200);
    const final = await message(tenant, id);
    expect(final).toMatchObject({ status: 'READ', chargeState: 'CHARGED', failureReason: null });
    expect(events(final, 'FAILED')).toHaveLength(1);
    expect((await ledgerOf(herald, tenant.token)).filter(REFUND)).toEqual([]);
    expect(await balanceOf(herald, tenant.token)).toBe('0.9800');
  });

  it('refunds once for failed then delivered', async () => {
    const { tenant, id, wamid } = await sentMessage(herald);
    expect(await postStatus(herald, wamid, 'failed', failed)).toBe(200);
    await waitForMessage(herald, tenant.token, id, (current) => current.chargeState === 'REFUNDED');
    await workflowDone(herald, id);
    expect(await postStatus(herald, wamid, 'delivered')).toBe(200);
    // The chosen behaviour: delivered wins the status (Meta: another device got it), while the refund,
    // already given, stands — the tenant is never charged again for a message WhatsApp first called failed.
    const final = await message(tenant, id);
    expect(final).toMatchObject({ status: 'DELIVERED', chargeState: 'REFUNDED' });
    expect((await ledgerOf(herald, tenant.token)).filter(REFUND)).toHaveLength(1);
    expect(await balanceOf(herald, tenant.token)).toBe('1.0000');
  });

  it('handles one POST carrying several entries and statuses for different messages', async () => {
    const first = await sentMessage(herald);
    const second = await sentMessage(herald);
    const identity = { wabaId: '102290129340398', phoneNumberId: '106540352242922', displayPhoneNumber: '15550783881' };
    const envelope = statusEnvelope(identity, { wamid: first.wamid, status: 'delivered', recipientId: '15551234567' });
    const change = envelope.entry[0]!.changes[0]!;
    change.value.statuses.push(...statusEnvelope(identity, { wamid: first.wamid, status: 'read', recipientId: '15551234567' }).entry[0]!.changes[0]!.value.statuses);
    envelope.entry.push(
      statusEnvelope(identity, { wamid: second.wamid, status: 'failed', recipientId: '15551234567', error: { code: 131026, title: 'Message undeliverable', details: 'x' } }).entry[0]!,
    );
    const response = await postWebhook(herald, envelope);
    expect(response.status).toBe(200);
    expect((await waitForMessage(herald, first.tenant.token, first.id, (m) => m.status === 'READ')).status).toBe('READ');
    expect((await waitForMessage(herald, second.tenant.token, second.id, (m) => m.chargeState === 'REFUNDED')).status).toBe('FAILED');
  });

  it('refuses a missing or wrong X-Hub-Signature-256 with 401 and records nothing', async () => {
    const { tenant, id, wamid } = await sentMessage(herald);
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [{ id: '1', changes: [{ field: 'messages', value: { statuses: [{ id: wamid, status: 'read', timestamp: '1764150000' }] } }] }],
    });
    const unsigned = await rest(herald, 'POST', '/webhook/meta', body, { 'content-type': 'application/json' });
    const forged = await rest(herald, 'POST', '/webhook/meta', body, {
      'content-type': 'application/json',
      'x-hub-signature-256': signPayload(Buffer.from(body), 'not-the-app-secret'),
    });
    expect([unsigned.status, forged.status]).toEqual([401, 401]);
    const after = await message(tenant, id);
    expect(after).toMatchObject({ status: 'SENT', readAt: null });
    expect(events(after, 'READ')).toEqual([]);
  });

  it('answers 200 for a status about a message it does not know (else Meta resends it for days)', async () => {
    expect(await postStatus(herald, 'wamid.HBgLMTU1NTAwMDAwMDAVAgARGBJVTktOT1dOX01FU1NBR0UA', 'delivered')).toBe(200);
  });
});

describe("Meta's webhook verification handshake", () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ config: testConfig({ WHATSAPP_VERIFY_TOKEN: 'verify-me' }) });
  });
  afterAll(() => herald?.close());

  it('echoes hub.challenge as plain text for the right verify token, and refuses a wrong one with 403', async () => {
    const verified = await rest(herald, 'GET', '/webhook/meta?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444');
    expect(verified.status).toBe(200);
    expect(verified.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(String(verified.body)).toBe('1158201444');
    const wrong = await rest(herald, 'GET', '/webhook/meta?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444');
    expect(wrong.status).toBe(403);
    expect(JSON.stringify(wrong.body)).not.toContain('1158201444');
  });
});

describe('a message whose delivery is never reported', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ worker: true, sandboxDelays: SILENT_SANDBOX, config: testConfig({ MESSAGE_STATUS_WAIT: '3s' }) });
  });
  afterEach(() => expectLedgerConsistent(herald));
  afterAll(() => herald?.close());

  it('ends its workflow after the configured wait, and the charge stands', async () => {
    const { tenant, id } = await sentMessage(herald);
    const handle = herald.temporal.workflow.getHandle(`message-${id}`);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await expect.poll(async () => (await handle.describe()).status.name, { timeout: 15_000 }).toBe('COMPLETED');
    const { sentAt } = await waitForMessage(herald, tenant.token, id, () => true);
    const waited = (await handle.describe()).closeTime!.getTime() - Date.parse(sentAt);
    expect(waited).toBeGreaterThanOrEqual(2_500);
    expect(waited).toBeLessThan(10_000);
    expect(await handle.result()).toMatchObject({ status: 'SENT', charged: true, refunded: false });
    expect(await waitForMessage(herald, tenant.token, id, () => true)).toMatchObject({ status: 'SENT', chargeState: 'CHARGED' });
    expect((await ledgerOf(herald, tenant.token)).filter(REFUND)).toEqual([]);
    expect(await balanceOf(herald, tenant.token)).toBe('0.9800');
  });

  it('is still refunded, once, when Meta reports it failed after the workflow stopped waiting', async () => {
    const { tenant, id, wamid } = await sentMessage(herald);
    const handle = herald.temporal.workflow.getHandle(`message-${id}`);
    await expect.poll(async () => (await handle.describe()).status.name, { timeout: 15_000 }).toBe('COMPLETED');
    const failure = { errors: [{ code: 131026, title: 'Message undeliverable' }] };
    // Meta delivers at least once: the second copy changes nothing.
    expect(await postStatus(herald, wamid, 'failed', failure)).toBe(200);
    expect(await postStatus(herald, wamid, 'failed', failure)).toBe(200);
    expect(await waitForMessage(herald, tenant.token, id, () => true)).toMatchObject({ status: 'FAILED', chargeState: 'REFUNDED', providerErrorCode: 131026 });
    expect((await ledgerOf(herald, tenant.token)).filter(REFUND)).toHaveLength(1);
    expect(await balanceOf(herald, tenant.token)).toBe('1.0000');
  });
});
