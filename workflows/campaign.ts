import { condition, continueAsNew, patched, proxyActivities, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { campaignChangedSignal, type CampaignWorkflowInput, type CampaignWorkflowResult } from './shared.ts';

const RETRY = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' } as const;
// Short database steps: no trip through the task queue.
const steps = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds', retry: RETRY });
// Work that calls Temporal for hundreds of messages: heartbeats, so a dead worker's batch is retried soon.
const fanout = proxyActivities<Activities>({ startToCloseTimeout: '10 minutes', heartbeatTimeout: '10 seconds', retry: RETRY });

/** Recipients per batch of runs from before just-in-time creation (campaign-run.service.ts sizes the others). */
const BATCH_SIZE = 500;
const POLL_MS = 3_000;
/** Steps one run takes before it continues as new: 100,000 recipients stay far inside the history limits. */
const STEPS_PER_RUN = 200;
/**
 * Runs from before this create the campaign's messages just in time: none until shortly before its time, then
 * only while fewer than its window (about 30 s of its number's sends, campaign-run.service.ts) wait undispatched.
 */
const JUST_IN_TIME = 'campaign-just-in-time';
/** How long before its time a campaign starts creating its first messages (their workflows are then ready). */
const LOOK_AHEAD_MS = 60_000;

/**
 * One campaign. Its recipients become messages a batch at a time (each batch idempotent, so a crash only repeats
 * the batch in flight), just in time: the first batch a minute before its time, then one per look while fewer
 * messages than its window wait for dispatch; a paused campaign creates none, one cancelled before its time
 * never touched a workflow.
 * It follows the campaign meanwhile: RUNNING at its time, COMPLETED once nothing waits for dispatch; pause,
 * resume and cancel arrive as a wake-up signal, and every decision is read from the database
 * (campaign-run.service.ts).
 */
export async function campaignWorkflow(input: CampaignWorkflowInput): Promise<CampaignWorkflowResult> {
  let changed = false;
  setHandler(campaignChangedSignal, () => void (changed = true));
  const pollMs = input.pollMs ?? POLL_MS;
  let afterSeq = input.afterSeq ?? 0;
  let created = input.created ?? false;
  const next = () => continueAsNew<typeof campaignWorkflow>({ ...input, afterSeq, created });
  const cancelled = async (): Promise<CampaignWorkflowResult> => {
    // Messages not created yet got theirs (CANCELLED) from the cancel; those waiting are closed here.
    await fanout.closeCancelledCampaign(input.campaignId);
    return { status: 'CANCELLED' };
  };

  if (!patched(JUST_IN_TIME)) {
    // Histories from before just-in-time creation: every message first, then the campaign followed.
    for (let turn = 0; ; turn++) {
      if (turn >= STEPS_PER_RUN || workflowInfo().continueAsNewSuggested) return next();
      if (!created) {
        const batch = await fanout.createCampaignBatch(input.campaignId, afterSeq, input.batchSize ?? BATCH_SIZE);
        afterSeq = batch.lastSeq;
        created = !batch.more;
        // A resume or cancel during creation is looked at between batches.
        if (!changed && !created) continue;
      }
      // Cleared before the look: a change that arrives while it runs makes the next wait end at once.
      changed = false;
      const step = await steps.campaignStep(input.campaignId);
      if (step.status === 'CANCELLED') return cancelled();
      if (step.status === 'COMPLETED') return { status: 'COMPLETED' };
      if (step.held > 0 && step.status !== 'PAUSED') await fanout.releaseCampaignHolds(input.campaignId);
      if (!created) continue;
      const wait = step.status === 'SCHEDULED' && step.dueInMs > 0 ? step.dueInMs : pollMs;
      await condition(() => changed, wait);
    }
  }

  for (let turn = 0; ; turn++) {
    if (turn >= STEPS_PER_RUN || workflowInfo().continueAsNewSuggested) return next();
    changed = false;
    const step = await steps.campaignStep(input.campaignId);
    if (step.status === 'CANCELLED') return cancelled();
    if (step.status === 'COMPLETED') return { status: 'COMPLETED' };
    if (step.held > 0 && step.status !== 'PAUSED') await fanout.releaseCampaignHolds(input.campaignId);
    const notYet = step.status === 'SCHEDULED' && step.dueInMs > 0;
    // One batch per look: the messages of a batch fall due together, so the worker takes them in bites.
    if (!created && step.status !== 'PAUSED' && step.room > 0 && (!notYet || step.dueInMs <= LOOK_AHEAD_MS)) {
      const size = input.batchSize ? Math.min(input.batchSize, step.room) : step.room;
      const batch = await fanout.createCampaignBatch(input.campaignId, afterSeq, size, { notWhilePaused: true });
      afterSeq = batch.lastSeq;
      created = !batch.more;
    }
    // Before its time nothing is dispatched: the wait lasts until the look-ahead (or the time) comes; after it,
    // the window's room and the counts are looked at again as messages go out.
    let wait = pollMs;
    if (notYet) wait = !created && step.dueInMs > LOOK_AHEAD_MS ? step.dueInMs - LOOK_AHEAD_MS : step.dueInMs;
    await condition(() => changed, wait);
  }
}
