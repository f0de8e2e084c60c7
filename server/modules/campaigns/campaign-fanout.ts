import type { EntityManager } from '@mikro-orm/postgresql';
import type { MessageWorkflows } from '../messages/ports.ts';
import { cancelledMessages, createCampaignBatch, dropHolds, heldMessages, markWorkflowsStarted } from './campaign-run.service.ts';

// The campaign workflow's calls to Temporal, many at a time: starting a batch's message workflows, waking the
// messages a resume releases, closing the workflows of a cancelled campaign's messages.

/** Calls to Temporal in flight at once: enough to hide the round trip, few enough not to crowd the frontend. */
const CONCURRENCY = 32;
const PAGE = 500;

/** Runs `work` on every item, CONCURRENCY at a time, calling `beat` as it goes (the activity's heartbeat). */
async function eachConcurrently<T>(items: T[], work: (item: T) => Promise<void>, beat: () => void): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
      beat();
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, lane));
}

/** One batch: its messages created (or found) and their workflows started. */
export async function createAndStartBatch(
  em: EntityManager,
  workflows: MessageWorkflows,
  campaignId: string,
  afterSeq: number,
  size: number,
  beat: () => void,
  options: { notWhilePaused?: boolean } = {},
): Promise<{ lastSeq: number; more: boolean; started: number }> {
  const batch = await createCampaignBatch(em, campaignId, afterSeq, size, options);
  beat();
  await eachConcurrently(batch.toStart, (message) => workflows.start(message), beat);
  await markWorkflowsStarted(em, batch.toStart.map((message) => message.id));
  return { lastSeq: batch.lastSeq, more: batch.more, started: batch.toStart.length };
}

/** Wakes every message held at the gate of a campaign that is no longer paused; the hold goes once it is told. */
export async function releaseHolds(em: EntityManager, workflows: MessageWorkflows, campaignId: string, beat: () => void): Promise<number> {
  let released = 0;
  for (;;) {
    const held = await heldMessages(em, campaignId, PAGE);
    if (held.length === 0) return released;
    await eachConcurrently(held, (hold) => workflows.releaseFromGate(hold.workflow_id), beat);
    await dropHolds(em, campaignId, held.map((hold) => hold.message_id));
    released += held.length;
  }
}

/**
 * Ends the waiting workflows of a cancelled campaign's messages (their rows are CANCELLED already) through the
 * message's own cancel update, which also records the event and stops a pending escalation. Resumes after `afterId`.
 */
export async function closeCancelled(
  em: EntityManager,
  workflows: MessageWorkflows,
  campaignId: string,
  afterId: string | null,
  beat: (lastId: string) => void,
): Promise<number> {
  let closed = 0;
  let cursor = afterId;
  for (;;) {
    const page = await cancelledMessages(em, campaignId, cursor, PAGE);
    if (page.length === 0) break;
    await eachConcurrently(
      page,
      async (message) => {
        // Past its timer (held again while it waited for a send slot), it is woken and its gate ends it.
        if ((await workflows.cancel(message.workflow_id)) === 'too-late') await workflows.releaseFromGate(message.workflow_id);
        if (message.escalation_policy_id) await workflows.wakeEscalation(message.id);
      },
      () => beat(cursor ?? ''),
    );
    cursor = page.at(-1)!.id;
    beat(cursor);
    closed += page.length;
  }
  await em.execute('delete from campaign_hold where campaign_id = ?', [campaignId], 'run');
  return closed;
}
