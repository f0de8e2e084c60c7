// An escalation's long wait on Temporal's time-skipping test server: half an hour of workflow time passes in
// seconds. (A worker replaced in the middle of a wait is tested on the real server, escalation-restart.test.ts:
// here the old worker's cached workflow would hold the shared clock.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, startTestWorker, testConfig, type Harness } from '../support/harness.ts';
import type { RunningWorker } from '../../server/temporal/worker.ts';
import { schedule, sendingTenant, waitForMessage } from '../messages/support.ts';
import { NEVER_REPORTED, startMetaStandIn, type MetaStandIn } from '../workflows/meta-stand-in.ts';
import { startTimeSkippingServer, type TimeSkippingServer } from '../workflows/time-skipping-env.ts';
import { createPolicy, waitForEscalation } from './support.ts';

const MINUTE = 60_000;

describe('an escalation waiting half an hour (time skipping)', () => {
  let server: TimeSkippingServer;
  let herald: Harness;
  let meta: MetaStandIn;
  let worker: RunningWorker | undefined;

  beforeAll(async () => {
    server = await startTimeSkippingServer();
    herald = await startHarness({ config: testConfig({ TEMPORAL_ADDRESS: server.address }) });
    meta = await startMetaStandIn(herald.sandbox.url);
    worker = await startTestWorker(herald.config, herald.orm, meta.url);
  });
  afterAll(async () => {
    await worker?.stop();
    await meta?.close();
    await herald?.close();
    await server?.close();
  });

  it('fires level 1 thirty minutes after the sending, not before', async () => {
    const tenant = await sendingTenant(herald, '10.00');
    const nurse = await tenant.contact('4242', 'Nurse');
    const policyId = await createPolicy(herald, tenant, [{ after: 'PT30M', unless: 'READ', notify: { contactId: nurse, templateId: tenant.templateId } }]);
    // Meta accepts the root and never reports on it: nobody reads it.
    const scheduled = await schedule(herald, tenant, await tenant.contact(NEVER_REPORTED, 'Patient'), { escalationPolicyId: policyId });
    expect(scheduled.status).toBe(201);
    const root = await waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.status === 'SENT', 20_000);
    const pending = await waitForEscalation(herald, tenant, root.id, (escalation) => escalation.levels[0].dueAt !== null, 20_000);
    expect(Date.parse(pending.escalation.levels[0].dueAt) - Date.parse(root.sentAt)).toBe(30 * MINUTE);

    await server.skip(29 * MINUTE);
    expect((await waitForEscalation(herald, tenant, root.id, () => true)).escalation).toMatchObject({ state: 'PENDING', levels: [{ state: 'WAITING' }] });

    await server.skip(2 * MINUTE);
    const fired = await waitForEscalation(herald, tenant, root.id, (escalation) => escalation.state !== 'PENDING', 20_000);
    expect(fired.escalation).toMatchObject({ state: 'EXHAUSTED', levels: [{ level: 1, state: 'SENT', messageId: expect.any(String) }] });
    const levelOne = await waitForMessage(herald, tenant.token, fired.escalation.levels[0].messageId, (message) => message.providerMessageId !== null, 20_000);
    expect(levelOne).toMatchObject({ contactId: nurse, escalationOf: { messageId: root.id, level: 1 }, chargeState: 'CHARGED' });
  });
});
