// A signed webhook whose status PostgreSQL could not hold still answers 200, and its other statuses apply.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusEnvelope } from '../../server/modules/whatsapp/sandbox-format.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { postWebhook, schedule, sendingTenant, waitForMessage, type SendingTenant, SILENT_SANDBOX } from '../messages/support.ts';

const now = () => String(Math.floor(Date.now() / 1000));

describe('a malformed status in a signed webhook', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ worker: true, sandboxDelays: SILENT_SANDBOX });
  });
  afterAll(() => herald?.close());

  async function sentMessage(suffix: string): Promise<{ tenant: SendingTenant; id: string; wamid: string }> {
    const tenant = await sendingTenant(herald, '1.00');
    const scheduled = await schedule(herald, tenant, await tenant.contact(suffix));
    const sent = await waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.providerMessageId !== null);
    expect(sent.status).toBe('SENT');
    return { tenant, id: sent.id, wamid: sent.providerMessageId };
  }

  async function postStatuses(statuses: Record<string, unknown>[]) {
    const envelope = statusEnvelope({ wabaId: '1', phoneNumberId: herald.config.whatsapp.phoneNumberId, displayPhoneNumber: '15550783881' }, { wamid: 'x', status: 'sent', recipientId: '1' });
    envelope.entry[0]!.changes[0]!.value.statuses = statuses as never;
    const response = await postWebhook(herald, envelope);
    return { status: response.status, body: await response.json() };
  }

  it('skips a status whose timestamp is out of range and applies the one after it: 200', async () => {
    const { tenant, id, wamid } = await sentMessage('5301');
    const answer = await postStatuses([
      { id: wamid, status: 'delivered', timestamp: '99999999999999', recipient_id: '1' },
      { id: wamid, status: 'read', timestamp: now(), recipient_id: '1' },
    ]);
    expect(answer).toEqual({ status: 200, body: { received: 1 } });
    const message = await waitForMessage(herald, tenant.token, id, (current) => current.status === 'READ', 10_000);
    expect(message.status).toBe('READ');
    const provider = message.history.filter((event: { source: string }) => event.source === 'PROVIDER').map((event: { status: string }) => event.status);
    expect(provider).toEqual(['READ']);
  });

  it('records a failed status whose error title is over 500 characters, cut to the column: 200', async () => {
    const { tenant, id, wamid } = await sentMessage('5302');
    const title = `Undeliverable\u0000 ${'x'.repeat(600)}`;
    const answer = await postStatuses([
      { id: wamid, status: 'failed', timestamp: now(), recipient_id: '1', errors: [{ code: 131026, title }] },
    ]);
    expect(answer).toEqual({ status: 200, body: { received: 1 } });
    const message = await waitForMessage(herald, tenant.token, id, (current) => current.chargeState === 'REFUNDED', 15_000);
    expect(message).toMatchObject({ status: 'FAILED', providerErrorCode: 131026, chargeState: 'REFUNDED' });
    const failed = message.history.find((event: { status: string; source: string }) => event.status === 'FAILED' && event.source === 'PROVIDER');
    expect(failed.detail).toBe(`Undeliverable ${'x'.repeat(600)}`.slice(0, 500));
  });
});
