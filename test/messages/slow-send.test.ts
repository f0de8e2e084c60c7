import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { debitForDispatch } from '../../server/modules/messages/dispatch.service.ts';
import { SendInFlight, sendToProvider } from '../../server/modules/messages/send.service.ts';
import { settleDelivery } from '../../server/modules/messages/settlement.service.ts';
import { createGraphClient } from '../../server/modules/whatsapp/graph-client.ts';
import { sleep } from '../support/eventually.ts';
import { startMessageWith, storeTestMessage } from '../workflows/custom-start.ts';
import { balanceOf, ledgerOf, sendingTenant, waitForMessage } from './support.ts';
import { whatsappSettings } from '../../server/modules/whatsapp/sandbox-token.ts';
import { behindProxyScene } from './meta-proxy.ts';


describe('a slow send is never sent twice', () => {
  const scene = behindProxyScene();

  const sendsTo = (suffix: string) => scene.herald.sandbox.sent.filter((call) => call.to.endsWith(suffix));
  const sendAttempt = async (workflowId: string) => {
    const pending = (await scene.herald.temporal.workflow.getHandle(workflowId).describe()).raw.pendingActivities ?? [];
    return pending.find((activity) => activity.activityType?.name === 'sendMessage')?.attempt ?? 0;
  };

  it('the database stalls after WhatsApp accepted, past the attempt timeout: one send, one debit', { timeout: 120_000 }, async () => {
    const tenant = await sendingTenant(scene.herald, '1.00');
    const contactId = await tenant.contact('8181');
    const stall = new pg.Client({ connectionString: scene.herald.config.DATABASE_URL });
    await stall.connect();
    let messageId = '';
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // Once the sandbox has accepted the send, and before Herald hears of it, the message row is locked:
    // the UPDATE that stores the wamid waits, exactly like a database that stalls.
    scene.proxy.holdNext(async () => {
      await stall.query('begin');
      await stall.query('select id from message where id = $1 for update', [messageId]);
    });
    try {
      const started = await startMessageWith(scene.herald, tenant, contactId, {
        input: { sendTimeouts: { attemptMs: 3_000, heartbeatMs: 2_000, leaseMs: 30_000 } },
      });
      messageId = started.messageId;
      const stallThenRelease = (async () => {
        await expect.poll(() => sendsTo('8181').length, { timeout: 20_000 }).toBe(1);
        // Temporal has timed the first attempt out and started another; give that one time to act.
        await expect.poll(() => sendAttempt(started.workflowId), { timeout: 60_000, interval: 250 }).toBeGreaterThanOrEqual(2);
        await sleep(2_000);
        await stall.query('commit');
        release();
      })();
      await Promise.all([stallThenRelease, released]);

      const sent = await waitForMessage(scene.herald, tenant.token, messageId, (message) => message.status === 'SENT', 30_000);
      await expect.poll(async () => (await scene.herald.temporal.workflow.getHandle(started.workflowId).describe()).raw.pendingActivities?.length ?? 0, {
        timeout: 30_000,
      }).toBe(0);
      expect(sendsTo('8181')).toEqual([expect.objectContaining({ httpStatus: 200, wamid: sent.providerMessageId })]);
      expect(sent).toMatchObject({ status: 'SENT', chargeState: 'CHARGED' });
      expect((await ledgerOf(scene.herald, tenant.token)).filter((entry: { reason: string }) => entry.reason === 'MESSAGE')).toHaveLength(1);
      expect(await balanceOf(scene.herald, tenant.token)).toBe('0.9800');
    } finally {
      await stall.end();
    }
  });

  /** A message debited and ready to send, with no workflow: the test plays the attempts itself. */
  async function dispatchingMessage(suffix: string) {
    const tenant = await sendingTenant(scene.herald, '1.00');
    const { id: messageId } = await storeTestMessage(scene.herald, tenant, await tenant.contact(suffix));
    expect(await debitForDispatch(scene.herald.orm.em.fork(), scene.herald.config.prices, messageId)).toEqual({ ok: true, charged: true });
    return { tenant, messageId };
  }
  const graph = async () => createGraphClient({ ...(await whatsappSettings(scene.herald.config)), baseUrl: scene.proxy.url, timeoutMs: 2_000 });
  const policy = { leaseMs: 20_000, httpTimeoutMs: 2_000 };

  it('while one attempt waits for WhatsApp, another does not call it; afterwards it finds the stored wamid', async () => {
    const { messageId } = await dispatchingMessage('8282');
    let answer!: () => void;
    scene.proxy.holdNext(() => new Promise<void>((resolve) => (answer = resolve)));
    const first = sendToProvider(scene.herald.orm.em.fork(), await graph(), scene.herald.services.channels.box, messageId, policy);
    await expect.poll(() => sendsTo('8282').length).toBe(1);

    const second = sendToProvider(scene.herald.orm.em.fork(), await graph(), scene.herald.services.channels.box, messageId, policy);
    await expect(second).rejects.toBeInstanceOf(SendInFlight);
    expect(sendsTo('8282')).toHaveLength(1);

    answer();
    const accepted = await first;
    expect(accepted).toMatchObject({ ok: true, wamid: expect.stringMatching(/^wamid\./) });
    expect(await sendToProvider(scene.herald.orm.em.fork(), await graph(), scene.herald.services.channels.box, messageId, policy)).toEqual(accepted);
    expect(sendsTo('8282')).toHaveLength(1);
  });

  it('the claim of an attempt whose worker died expires, and the message still goes out once', async () => {
    const { tenant, messageId } = await dispatchingMessage('8383');
    // What a worker that died right after claiming leaves behind.
    await scene.herald.orm.em
      .fork()
      .execute("update message set send_claimed_until = clock_timestamp() + interval '1500 milliseconds', send_attempts = 1 where id = ?", [messageId], 'run');
    const blocked = await sendToProvider(scene.herald.orm.em.fork(), await graph(), scene.herald.services.channels.box, messageId, policy).catch((error: unknown) => error);
    expect(blocked).toBeInstanceOf(SendInFlight);
    expect((blocked as SendInFlight).retryAfterMs).toBeGreaterThan(0);
    expect((blocked as SendInFlight).retryAfterMs).toBeLessThanOrEqual(1_500);
    // Giving up now would refund a message that may still go out: settling waits for the claim too.
    await expect(settleDelivery(scene.herald.orm.em.fork(), messageId, true)).rejects.toBeInstanceOf(SendInFlight);
    expect(sendsTo('8383')).toEqual([]);

    await sleep((blocked as SendInFlight).retryAfterMs + 100);
    expect(await sendToProvider(scene.herald.orm.em.fork(), await graph(), scene.herald.services.channels.box, messageId, policy)).toMatchObject({ ok: true });
    expect(sendsTo('8383')).toHaveLength(1);
    const sent = await waitForMessage(scene.herald, tenant.token, messageId, () => true);
    expect(sent).toMatchObject({ status: 'SENT', chargeState: 'CHARGED' });
    const [row] = await scene.herald.orm.em.fork().execute('select send_attempts, send_claimed_until from message where id = ?', [messageId]);
    expect(row).toMatchObject({ send_attempts: 2, send_claimed_until: null });
  });
});
