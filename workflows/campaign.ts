import { condition, continueAsNew, proxyActivities, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { campaignChangedSignal, type CampaignWorkflowInput, type CampaignWorkflowResult } from './shared.ts';

const RETRY = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' } as const;
// Short database steps: no trip through the task queue.
const steps = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds', retry: RETRY });
// Work that calls Temporal for hundreds of messages: heartbeats, so a dead worker's batch is retried soon.
const fanout = proxyActivities<Activities>({ startToCloseTimeout: '10 minutes', heartbeatTimeout: '10 seconds', retry: RETRY });

const BATCH_SIZE = 500;
const POLL_MS = 3_000;
/** Steps one run takes before it continues as new: 100,000 recipients stay far inside the history limits. */
const STEPS_PER_RUN = 200;

/**
 * One campaign. First it turns its recipients into messages, a batch at a time, starting their workflows
 * (each batch idempotent, so a crash only repeats the batch in flight). Then it follows the campaign: RUNNING
 * at its time, COMPLETED once nothing waits for dispatch; pause, resume and cancel arrive as a wake-up signal,
 * and every decision is read from the database (campaign-run.service.ts).
 */
export async function campaignWorkflow(input: CampaignWorkflowInput): Promise<CampaignWorkflowResult> {
  let changed = false;
  setHandler(campaignChangedSignal, () => void (changed = true));
  const batchSize = input.batchSize ?? BATCH_SIZE;
  const pollMs = input.pollMs ?? POLL_MS;
  let afterSeq = input.afterSeq ?? 0;
  let created = input.created ?? false;
  const next = () => continueAsNew<typeof campaignWorkflow>({ ...input, afterSeq, created });

  for (let turn = 0; ; turn++) {
    if (turn >= STEPS_PER_RUN || workflowInfo().continueAsNewSuggested) return next();
    if (!created) {
      const batch = await fanout.createCampaignBatch(input.campaignId, afterSeq, batchSize);
      afterSeq = batch.lastSeq;
      created = !batch.more;
      // A resume or cancel during creation is looked at between batches.
      if (!changed && !created) continue;
    }
    // Cleared before the look: a change that arrives while it runs makes the next wait end at once.
    changed = false;
    const step = await steps.campaignStep(input.campaignId);
    if (step.status === 'CANCELLED') {
      // Messages not created yet never will be; those waiting are closed (their rows are CANCELLED already).
      await fanout.closeCancelledCampaign(input.campaignId);
      return { status: 'CANCELLED' };
    }
    if (step.status === 'COMPLETED') return { status: 'COMPLETED' };
    if (step.held > 0 && step.status !== 'PAUSED') await fanout.releaseCampaignHolds(input.campaignId);
    if (!created) continue;
    const wait = step.status === 'SCHEDULED' && step.dueInMs > 0 ? step.dueInMs : pollMs;
    await condition(() => changed, wait);
  }
}
