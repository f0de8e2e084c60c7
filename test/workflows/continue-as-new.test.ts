import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stateQuery } from '../../workflows/shared.ts';
import { bearer } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { ledgerOf, sendingTenant, waitForMessage } from '../messages/support.ts';
import { startMessageWith } from './custom-start.ts';
import { expectLedgerConsistent } from '../billing/support.ts';

describe('a message rescheduled many times', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ worker: true });
  });
  afterEach(() => expectLedgerConsistent(herald));
  afterAll(() => herald?.close());

  /** The runs of one workflow id, first to latest, following each run's continue-as-new. */
  async function runChain(workflowId: string, runId: string): Promise<string[]> {
    const runs = [runId];
    for (;;) {
      const handle = herald.temporal.workflow.getHandle(workflowId, runs.at(-1));
      if ((await handle.describe()).status.name !== 'CONTINUED_AS_NEW') return runs;
      const events = (await handle.fetchHistory()).events ?? [];
      runs.push(events.at(-1)!.workflowExecutionContinuedAsNewEventAttributes!.newExecutionRunId!);
    }
  }

  it('continues as new every few reschedules, keeps its latest time, and still goes out once', { timeout: 120_000 }, async () => {
    const tenant = await sendingTenant(herald, '1.00');
    const contactId = await tenant.contact('9191');
    const { messageId, workflowId, firstRunId } = await startMessageWith(herald, tenant, contactId, {
      scheduleTime: new Date(Date.now() + 3600_000),
      input: { rescheduleLimit: 3 },
    });

    let latestTime = '';
    for (let move = 1; move <= 8; move += 1) {
      latestTime = new Date(Date.now() + (move + 1) * 3600_000).toISOString();
      const answer = await rest(herald, 'POST', `/messages/${messageId}/reschedule`, { scheduleTime: latestTime }, bearer(tenant.token));
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    }
    // Eight moves with a limit of three: runs 1 and 2 each handed over to a fresh run after their third.
    expect(await runChain(workflowId, firstRunId)).toHaveLength(3);
    const handle = herald.temporal.workflow.getHandle(workflowId);
    expect(await handle.query(stateQuery)).toMatchObject({ phase: 'WAITING', status: 'SCHEDULED', scheduleTime: latestTime });
    expect((await handle.describe()).searchAttributes).toMatchObject({ MessageStatus: ['SCHEDULED'], TenantId: [tenant.tenantId] });

    const now = await rest(herald, 'POST', `/messages/${messageId}/reschedule`, { scheduleTime: new Date().toISOString() }, bearer(tenant.token));
    expect(now.status).toBe(200);
    const read = await waitForMessage(herald, tenant.token, messageId, (message) => message.status === 'READ');
    expect(read).toMatchObject({ status: 'READ', chargeState: 'CHARGED' });
    expect(herald.sandbox.sent.filter((call) => call.to.endsWith('9191'))).toHaveLength(1);
    expect((await ledgerOf(herald, tenant.token)).filter((entry: { reason: string }) => entry.reason === 'MESSAGE')).toHaveLength(1);
    expect(read.history.filter((event: { status: string }) => event.status === 'RESCHEDULED')).toHaveLength(9);
  });
});
