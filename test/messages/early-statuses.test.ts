// Meta's status webhooks can reach the API before the worker has stored the wamid the send returned.
// The pass-through in front of the sandbox holds the send's answer while the test posts the signed
// webhook, so the status really arrives first; none may be lost, charged twice or refunded twice.
import { describe, expect, it } from 'vitest';
import type { ProviderStatusName } from '../../server/modules/whatsapp/types.ts';
import { startTestReconciler } from '../support/harness.ts';
import { sleep } from '../support/eventually.ts';
import { behindProxyScene } from './meta-proxy.ts';
import { balanceOf, ledgerOf, postStatus, schedule, sendingTenant, waitForMessage, type SendingTenant } from './support.ts';

const byReason = (reason: string) => (entry: { reason: string }) => entry.reason === reason;

describe('statuses that arrive before their wamid is stored', () => {
  const scene = behindProxyScene();

  const sql = <T>(query: string, params: unknown[] = []) => scene.herald.orm.em.fork().execute<T[]>(query, params);
  const storedFor = async (wamid: string) => (await sql<{ n: number }>('select count(*)::int as n from message where provider_message_id = ?', [wamid]))[0]!.n;
  const orphansOf = async (wamid: string) => (await sql<{ n: number }>('select count(*)::int as n from provider_status_orphan where wamid = ?', [wamid]))[0]!.n;
  const workflowOf = (id: string) => scene.herald.temporal.workflow.getHandle(`message-${id}`);
  const workflowDone = (id: string) =>
    expect.poll(async () => (await workflowOf(id).describe()).status.name, { timeout: 20_000 }).toBe('COMPLETED');

  /**
   * Schedules a message whose send answer is held until `whileHeld` has run with the wamid the sandbox
   * gave it; resolves once the answer has been released, with the message id and its wamid.
   */
  async function sendHeld(tenant: SendingTenant, suffix: string, whileHeld: (wamid: string) => Promise<void>) {
    let wamid = '';
    let released!: () => void;
    const heldDone = new Promise<void>((resolve) => (released = resolve));
    scene.proxy.holdNext(async () => {
      wamid = scene.herald.sandbox.sent.at(-1)!.wamid!;
      try {
        await whileHeld(wamid);
      } finally {
        released();
      }
    });
    const scheduled = await schedule(scene.herald, tenant, await tenant.contact(suffix));
    expect(scheduled.status).toBe(201);
    await heldDone;
    return { id: scheduled.body.id as string, wamid };
  }

  /** Posts the status while the send's answer is held, and checks that Herald had not stored the wamid yet. */
  const postEarly = (status: ProviderStatusName, extra: Record<string, unknown> = {}) => async (wamid: string) => {
    expect(await postStatus(scene.herald, wamid, status, extra)).toBe(200);
    expect(await storedFor(wamid)).toBe(0);
  };

  it('a read that arrives first: the message ends READ, charged once, its workflow completed', { timeout: 60_000 }, async () => {
    const tenant = await sendingTenant(scene.herald, '1.00');
    const { id, wamid } = await sendHeld(tenant, '9191', postEarly('read'));

    const final = await waitForMessage(scene.herald, tenant.token, id, (message) => message.status === 'READ', 20_000);
    expect(final).toMatchObject({ status: 'READ', chargeState: 'CHARGED', providerMessageId: wamid, readAt: expect.any(String) });
    expect(final.history.filter((event: { status: string; source: string }) => event.source === 'PROVIDER')).toEqual([
      expect.objectContaining({ status: 'READ' }),
    ]);
    await workflowDone(id);
    expect(await workflowOf(id).result()).toMatchObject({ phase: 'DONE', status: 'READ', charged: true, refunded: false });
    expect((await ledgerOf(scene.herald, tenant.token)).filter(byReason('MESSAGE'))).toHaveLength(1);
    expect(await balanceOf(scene.herald, tenant.token)).toBe('0.9800');
    expect(await orphansOf(wamid)).toBe(0);
    expect(scene.herald.sandbox.sent.filter((call) => call.wamid === wamid)).toHaveLength(1);
  });

  it('a read that arrives first saying Meta will not bill it: the message ends READ and is refunded once', { timeout: 60_000 }, async () => {
    const tenant = await sendingTenant(scene.herald, '1.00');
    const unbillable = { pricing: { billable: false, pricing_model: 'PMP', category: 'utility', type: 'free_customer_service' } };
    const { id, wamid } = await sendHeld(tenant, '9393', postEarly('read', unbillable));

    const final = await waitForMessage(scene.herald, tenant.token, id, (message) => message.chargeState === 'REFUNDED', 20_000);
    expect(final).toMatchObject({ status: 'READ', chargeState: 'REFUNDED', providerMessageId: wamid });
    await workflowDone(id);
    const ledger = await ledgerOf(scene.herald, tenant.token);
    expect(ledger.filter(byReason('MESSAGE'))).toHaveLength(1);
    expect(ledger.filter(byReason('REFUND'))).toHaveLength(1);
    expect(await balanceOf(scene.herald, tenant.token)).toBe('1.0000');
    expect(await orphansOf(wamid)).toBe(0);
  });

  it('a failed that arrives first: the message is refunded once', { timeout: 60_000 }, async () => {
    const tenant = await sendingTenant(scene.herald, '1.00');
    const failed = { errors: [{ code: 131026, title: 'Message undeliverable' }] };
    const { id, wamid } = await sendHeld(tenant, '9292', async (early) => {
      await postEarly('failed', failed)(early);
      expect(await postStatus(scene.herald, early, 'failed', failed)).toBe(200); // Meta's resend, kept once
    });

    await waitForMessage(scene.herald, tenant.token, id, (message) => message.chargeState === 'REFUNDED', 20_000);
    await workflowDone(id);
    const final = await waitForMessage(scene.herald, tenant.token, id, () => true);
    expect(final).toMatchObject({ status: 'FAILED', chargeState: 'REFUNDED', failureReason: 'DELIVERY_FAILED', providerErrorCode: 131026 });
    expect(await workflowOf(id).result()).toMatchObject({ status: 'FAILED', charged: true, refunded: true });
    expect((await ledgerOf(scene.herald, tenant.token)).filter(byReason('REFUND'))).toHaveLength(1);
    expect(await balanceOf(scene.herald, tenant.token)).toBe('1.0000');
    expect(await orphansOf(wamid)).toBe(0);
  });

  it('the webhook and the storing of the wamid at the same instant, 20 times: no status is lost', { timeout: 180_000 }, async () => {
    const tenant = await sendingTenant(scene.herald, '1.00');
    const answers: Promise<number>[] = [];
    const sent: { id: string; wamid: string }[] = [];
    for (let round = 0; round < 20; round += 1) {
      // From 2 ms before the answer is released to 2 ms after: both orders, and both at once.
      const lead = (round % 5) - 2;
      sent.push(
        await sendHeld(tenant, '9393', async (wamid) => {
          if (lead <= 0) {
            answers.push(postStatus(scene.herald, wamid, 'read'));
            await sleep(-lead);
          } else {
            answers.push(sleep(lead).then(() => postStatus(scene.herald, wamid, 'read')));
          }
        }),
      );
    }
    expect(await Promise.all(answers)).toEqual(Array(20).fill(200));
    for (const { id, wamid } of sent) {
      const final = await waitForMessage(scene.herald, tenant.token, id, (message) => message.status === 'READ', 20_000);
      expect(final, `round with ${wamid}`).toMatchObject({ status: 'READ', chargeState: 'CHARGED', providerMessageId: wamid });
      await workflowDone(id);
      expect(await orphansOf(wamid)).toBe(0);
    }
    expect((await ledgerOf(scene.herald, tenant.token)).filter(byReason('MESSAGE'))).toHaveLength(20);
    expect(await balanceOf(scene.herald, tenant.token)).toBe('0.6000');
  });

  it('statuses whose wamid never matches are kept for 7 days, then purged by the reconciler', async () => {
    const stale = `wamid.never-matched-${crypto.randomUUID()}`;
    const fresh = `wamid.not-yet-${crypto.randomUUID()}`;
    expect(await postStatus(scene.herald, fresh, 'delivered')).toBe(200);
    expect(await postStatus(scene.herald, stale, 'delivered')).toBe(200);
    expect(await orphansOf(fresh)).toBe(1);
    await sql("update provider_status_orphan set received_at = now() - interval '7 days 1 minute' where wamid = ?", [stale]);

    const reconciler = startTestReconciler(scene.herald, 60_000);
    try {
      await expect.poll(() => orphansOf(stale), { timeout: 10_000 }).toBe(0);
      expect(await orphansOf(fresh)).toBe(1);
    } finally {
      reconciler.stop();
    }
  });
});
