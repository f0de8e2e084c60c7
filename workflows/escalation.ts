import { condition, continueAsNew, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { escalationWakeSignal, type EscalationWorkflowInput, type EscalationWorkflowResult } from './shared.ts';

const steps = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/** Steps one run takes before it continues as new, bounding its history. */
const STEPS_PER_RUN = 500;

/**
 * The escalation of one root message. Every decision is made by the `escalationStep` activity in the
 * database (escalation.service.ts); this workflow only sleeps until the next due time, durably, or until
 * it is woken (the root's statuses, a reply, an acknowledgement), and asks again.
 */
export async function escalationWorkflow(input: EscalationWorkflowInput): Promise<EscalationWorkflowResult> {
  let woken = false;
  setHandler(escalationWakeSignal, () => void (woken = true));
  for (let step = 0; step < STEPS_PER_RUN; step++) {
    // Cleared before the step: a wake-up that arrives while it runs makes the next wait end at once.
    woken = false;
    const next = await steps.escalationStep(input.rootMessageId, new Date().toISOString());
    if (next.done) return { state: next.state };
    const waitMs = next.wakeAt === null ? undefined : Math.max(0, Date.parse(next.wakeAt) - Date.now());
    if (waitMs === undefined) await condition(() => woken);
    else if (waitMs > 0) await condition(() => woken, waitMs);
  }
  return continueAsNew<typeof escalationWorkflow>(input);
}
