// The floor Herald's message workflow is measured against: the same shape with no work in it — a durable
// timer, two no-op activities (debit, send) and three status signals (sent, delivered, read).
import { condition, proxyActivities, setHandler, defineSignal } from '@temporalio/workflow';

export interface BareActivities {
  noopDebit(id: string): Promise<void>;
  noopSend(id: string): Promise<void>;
}

export const bareStatusSignal = defineSignal<[string]>('providerStatus');

const activities = proxyActivities<BareActivities>({ startToCloseTimeout: '30 seconds' });

export async function bareMessageWorkflow(id: string, dueAt: number): Promise<void> {
  const statuses: string[] = [];
  setHandler(bareStatusSignal, (status) => void statuses.push(status));
  const wait = dueAt - Date.now();
  if (wait > 0) await condition(() => false, wait);
  await activities.noopDebit(id);
  await activities.noopSend(id);
  await condition(() => statuses.includes('read'));
}
