// The Temporal Schedule that runs templateSyncWorkflow every TEMPLATE_SYNC_INTERVAL (cloud mode).
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
// A value import only for the schedule's workflow type: it pulls in @temporalio/workflow, never Node-only code.
import { templateSyncWorkflow } from '../../workflows/template-sync.ts';
import type { WorkflowSettings } from './settings.ts';

/** One schedule per task queue, so two deployments sharing a namespace do not run each other's sync. */
export const templateSyncScheduleId = (taskQueue: string) => `template-sync-${taskQueue}`;

export interface TemplateSyncSchedule {
  /**
   * Creates the schedule, or brings an existing one to `intervalMs`, and returns its id: idempotent, so every
   * worker replica may call it at start. Runs never overlap (a slow run makes the next one skip).
   */
  ensure(intervalMs: number): Promise<string>;
}

export function templateSyncSchedule(settings: Pick<WorkflowSettings, 'temporal' | 'taskQueue'>): TemplateSyncSchedule {
  const { temporal, taskQueue } = settings;
  const scheduleId = templateSyncScheduleId(taskQueue);
  return {
    async ensure(intervalMs) {
      const spec = { intervals: [{ every: Math.max(intervalMs, 1_000) }] };
      try {
        await temporal.schedule.create({
          scheduleId,
          spec,
          action: { type: 'startWorkflow', workflowType: templateSyncWorkflow, workflowId: `template-sync-run-${taskQueue}`, taskQueue, args: [] },
          policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
        });
      } catch (error) {
        if (!(error instanceof ScheduleAlreadyRunning)) throw error;
        await temporal.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec }));
      }
      return scheduleId;
    },
  };
}
