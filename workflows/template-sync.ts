import { log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

const activities = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
});

export interface TemplateSyncResult {
  wabas: number;
  checked: number;
  repaired: number;
  /** WABAs whose listing failed after retries (the next run tries again). */
  failed: string[];
}

/**
 * One sync run, started by the worker's Temporal Schedule: lists each WABA's templates on Meta and repairs
 * what a lost webhook left stale. One WABA at a time, each in its own activity, so one failing WABA does not
 * stop the others.
 */
export async function templateSyncWorkflow(): Promise<TemplateSyncResult> {
  const wabas = await activities.templateSyncWabas();
  const result: TemplateSyncResult = { wabas: wabas.length, checked: 0, repaired: 0, failed: [] };
  for (const wabaId of wabas) {
    try {
      const synced = await activities.syncWabaTemplates(wabaId);
      result.checked += synced.checked;
      result.repaired += synced.repaired;
    } catch (error) {
      log.warn('template sync of a WABA failed', { wabaId, error: error instanceof Error ? error.message : String(error) });
      result.failed.push(wabaId);
    }
  }
  return result;
}
