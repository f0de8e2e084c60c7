// The Temporal Schedule that runs templateSyncWorkflow every TEMPLATE_SYNC_INTERVAL (cloud mode).
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
// A value import only for the schedule's workflow type: it pulls in @temporalio/workflow, never Node-only code.
import { templateSyncWorkflow } from '../../../workflows/template-sync.ts';

/** One schedule per task queue, so two deployments sharing a namespace do not run each other's sync. */
export const templateSyncScheduleId = (taskQueue: string) => `template-sync-${taskQueue}`;

/**
 * Creates the schedule, or brings an existing one to the configured interval: idempotent, so every worker
 * replica may call it at start. Runs never overlap (a slow run makes the next one skip).
 */
export async function ensureTemplateSyncSchedule(temporal: Client, settings: { taskQueue: string; intervalMs: number }): Promise<string> {
  const scheduleId = templateSyncScheduleId(settings.taskQueue);
  const spec = { intervals: [{ every: Math.max(settings.intervalMs, 1_000) }] };
  try {
    await temporal.schedule.create({
      scheduleId,
      spec,
      action: { type: 'startWorkflow', workflowType: templateSyncWorkflow, workflowId: `template-sync-run-${settings.taskQueue}`, taskQueue: settings.taskQueue, args: [] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await temporal.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec }));
  }
  return scheduleId;
}
