// Records real histories of the message workflow for the replay test. Run only on purpose, when the
// workflow changes: RECORD_HISTORIES=v2 npx vitest run test/workflows/record-histories.test.ts
import { describe, expect, it } from 'vitest';
import { bearer } from '../support/actors.ts';
import { rest, startHarness, startTestWorker, type Harness } from '../support/harness.ts';
import { startMetaProxy } from '../messages/meta-proxy.ts';
import { postStatus, schedule, sendingTenant, waitForMessage } from '../messages/support.ts';
import { onChannel, registerChannel } from '../channels/support.ts';
import { startMessageWith } from './custom-start.ts';
import { saveHistory } from './histories.ts';

const version = process.env.RECORD_HISTORIES;

async function save(herald: Harness, name: string, messageId: string) {
  const handle = herald.temporal.workflow.getHandle(`message-${messageId}`);
  await expect.poll(async () => (await handle.describe()).status.name, { timeout: 30_000 }).toBe('COMPLETED');
  await saveHistory(herald.temporal, `message-${messageId}`, `${version}-${name}.json`);
}

describe.skipIf(!version)('record message workflow histories', () => {
  it('records one history per path a message can take', { timeout: 180_000 }, async () => {
    const herald = await startHarness();
    // The worker sends through a pass-through, so one message can get its read before its wamid is stored.
    const proxy = await startMetaProxy(herald.sandbox.url);
    const worker = await startTestWorker(herald.config, herald.orm, proxy.url);
    try {
      const tenant = await sendingTenant(herald, '10.00');
      let early = '';
      proxy.holdNext(async () => {
        early = herald.sandbox.sent.at(-1)!.wamid!;
        expect(await postStatus(herald, early, 'read')).toBe(200);
      });
      const earlyRead = await schedule(herald, tenant, await tenant.contact('4646'));
      await waitForMessage(herald, tenant.token, earlyRead.body.id, (message) => message.status === 'READ');
      expect(early).not.toBe('');
      await save(herald, 'read-before-wamid-stored', earlyRead.body.id);

      const later = () => new Date(Date.now() + 3600_000).toISOString();

      const read = await schedule(herald, tenant, await tenant.contact('4242'));
      const failed = await schedule(herald, tenant, await tenant.contact('0000'));
      const refused = await schedule(herald, tenant, await tenant.contact('0001'));
      const cancelled = await schedule(herald, tenant, await tenant.contact('4343'), { scheduleTime: later() });
      const moved = await schedule(herald, tenant, await tenant.contact('4444'), { scheduleTime: later() });

      expect((await rest(herald, 'POST', `/messages/${cancelled.body.id}/cancel`, undefined, bearer(tenant.token))).status).toBe(200);
      for (const scheduleTime of [later(), new Date(Date.now() + 7200_000).toISOString(), new Date().toISOString()]) {
        const answer = await rest(herald, 'POST', `/messages/${moved.body.id}/reschedule`, { scheduleTime }, bearer(tenant.token));
        expect(answer.status).toBe(200);
      }

      await waitForMessage(herald, tenant.token, read.body.id, (message) => message.status === 'READ');
      await waitForMessage(herald, tenant.token, moved.body.id, (message) => message.status === 'READ');
      await waitForMessage(herald, tenant.token, failed.body.id, (message) => message.chargeState === 'REFUNDED');
      await waitForMessage(herald, tenant.token, refused.body.id, (message) => message.chargeState === 'REFUNDED');
      await save(herald, 'read', read.body.id);
      await save(herald, 'delivery-failed-refunded', failed.body.id);
      await save(herald, 'send-refused-refunded', refused.body.id);
      await save(herald, 'cancelled', cancelled.body.id);
      await save(herald, 'rescheduled-then-read', moved.body.id);

      // Two messages due at once on a channel limited to 1/s: the later one sleeps on the governor's timer.
      const pacer = await sendingTenant(herald, '10.00');
      const paced = await onChannel(herald, pacer, await registerChannel(herald, pacer, { rateLimitPerSecond: 1 }));
      const dueAt = new Date(Date.now() + 2_000).toISOString();
      const pair = [
        await schedule(herald, paced, await paced.contact('4747'), { scheduleTime: dueAt }),
        await schedule(herald, paced, await paced.contact('4848'), { scheduleTime: dueAt }),
      ];
      const pairSent = await Promise.all(pair.map((one) => waitForMessage(herald, paced.token, one.body.id, (message) => message.status === 'READ')));
      const arrival = (message: any) => herald.sandbox.sent.find((record) => record.wamid === message.providerMessageId)!.receivedAt;
      const pacedOne = pairSent.reduce((a, b) => (arrival(a) > arrival(b) ? a : b));
      expect(Math.abs(arrival(pairSent[0]) - arrival(pairSent[1]))).toBeGreaterThanOrEqual(900);
      await save(herald, 'paced-by-governor', pacedOne.id);

      // A message its tenant cannot pay for: the checks before the send slot refuse it (no slot, no debit).
      const broke = await sendingTenant(herald, 0);
      const unpaid = await schedule(herald, broke, await broke.contact('4949'));
      const refusedEarly = await waitForMessage(herald, broke.token, unpaid.body.id, (message) => message.status === 'FAILED');
      expect(refusedEarly).toMatchObject({ failureReason: 'INSUFFICIENT_FUNDS', chargeState: 'NONE' });
      await save(herald, 'refused-before-slot', unpaid.body.id);

      // A run rescheduled past its limit continues as new: both runs are recorded.
      const long = await startMessageWith(herald, tenant, await tenant.contact('4545'), {
        scheduleTime: new Date(Date.now() + 3600_000),
        input: { rescheduleLimit: 2 },
      });
      for (const scheduleTime of [later(), new Date(Date.now() + 7200_000).toISOString(), new Date().toISOString()]) {
        const answer = await rest(herald, 'POST', `/messages/${long.messageId}/reschedule`, { scheduleTime }, bearer(tenant.token));
        expect(answer.status).toBe(200);
      }
      await waitForMessage(herald, tenant.token, long.messageId, (message) => message.status === 'READ');
      const handle = herald.temporal.workflow.getHandle(long.workflowId);
      await expect.poll(async () => (await handle.describe()).status.name, { timeout: 30_000 }).toBe('COMPLETED');
      await saveHistory(herald.temporal, long.workflowId, `${version}-continued-as-new-first-run.json`, long.firstRunId);
      await saveHistory(herald.temporal, long.workflowId, `${version}-continued-as-new-last-run.json`);
    } finally {
      await worker.stop();
      await proxy.close();
      await herald.close();
    }
  });
});
