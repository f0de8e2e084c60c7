// The escalation's timer is Temporal's, not the worker's: a worker that stops in the middle of a wait and
// another that starts later change nothing (real server, real time).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWorker } from '../../server/temporal/worker.ts';
import { startHarness, startTestWorker, type Harness } from '../support/harness.ts';
import { sleep } from '../support/eventually.ts';
import { postStatus, schedule, sendingTenant, sendsTo, SILENT_SANDBOX, waitForMessage } from '../messages/support.ts';
import { createPolicy, waitForEscalation } from './support.ts';

describe('an escalation across a worker restart', () => {
  let herald: Harness;
  let replacement: RunningWorker | undefined;
  beforeAll(async () => {
    herald = await startHarness({ worker: true, sandboxDelays: SILENT_SANDBOX });
  });
  afterAll(async () => {
    await replacement?.stop();
    await herald?.close();
  });

  it('fires its level once, after its due time, though the worker that started the wait is gone', async () => {
    const tenant = await sendingTenant(herald);
    const nurse = await tenant.contact('4242', 'Nurse');
    const policyId = await createPolicy(herald, tenant, [{ after: 'PT6S', unless: 'READ', notify: { contactId: nurse, templateId: tenant.templateId } }]);
    const scheduled = await schedule(herald, tenant, await tenant.contact('4243', 'Patient'), { escalationPolicyId: policyId });
    const root = await waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.providerMessageId !== null);
    expect(await postStatus(herald, root.providerMessageId, 'delivered')).toBe(200);
    await waitForEscalation(herald, tenant, root.id, (escalation) => escalation.levels[0].dueAt !== null);

    await herald.worker!.stop();
    await sleep(2_000);
    replacement = await startTestWorker(herald.config, herald.orm, herald.sandbox.url);

    const fired = await waitForEscalation(herald, tenant, root.id, (escalation) => escalation.state !== 'PENDING', 45_000);
    expect(fired.escalation).toMatchObject({ state: 'EXHAUSTED', levels: [{ state: 'SENT', messageId: expect.any(String) }] });
    const levelOne = await waitForMessage(herald, tenant.token, fired.escalation.levels[0].messageId, (message) => message.sentAt !== null);
    expect(Date.parse(levelOne.sentAt)).toBeGreaterThanOrEqual(Date.parse(fired.escalation.levels[0].dueAt));
    const nursePhone = herald.sandbox.sent.find((record) => record.wamid === levelOne.providerMessageId)!.to;
    expect(sendsTo(herald, nursePhone)).toHaveLength(1);
  });
});
