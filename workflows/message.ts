import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import {
  MESSAGE_STATUS_KEY,
  TOO_LATE,
  cancelUpdate,
  providerStatusSignal,
  rescheduleUpdate,
  stateQuery,
  type MessageWorkflowInput,
  type MessageWorkflowState,
  type ProviderStatusSignal,
  type WorkflowPhase,
} from './shared.ts';

// Database work: short, retried until it succeeds (each activity is idempotent). The timeout is also how
// long a step of a worker that died waits before another worker retries it.
const db = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});
// The provider call: retryable errors (throttling, 5xx, timeouts) back off; refusals come back as results.
const provider = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 8 },
});

/**
 * One scheduled message: sleep until its time (cancel and reschedule arrive as updates), debit under the
 * tenant's row lock, send, then follow delivery statuses and refund a failure. Money moves only in
 * activities, each idempotent, so a replayed or retried step never charges or refunds twice.
 */
export async function messageWorkflow(input: MessageWorkflowInput): Promise<MessageWorkflowState> {
  let phase: WorkflowPhase = 'WAITING';
  let status = 'SCHEDULED';
  let scheduleAt = Date.parse(input.scheduleTime);
  let cancelled = false;
  let rescheduled = false;
  let charged = false;
  let refunded = false;
  const statuses: ProviderStatusSignal[] = [];

  const state = (): MessageWorkflowState => ({ phase, status, scheduleTime: new Date(scheduleAt).toISOString(), charged, refunded });
  const setStatus = (next: string) => {
    status = next;
    upsertSearchAttributes([{ key: MESSAGE_STATUS_KEY, value: next }]);
  };
  const onlyWhileWaiting = () => {
    if (phase !== 'WAITING' || cancelled) throw ApplicationFailure.nonRetryable('The message is already being dispatched', TOO_LATE);
  };

  setHandler(stateQuery, state);
  setHandler(providerStatusSignal, (signal) => void statuses.push(signal));
  setHandler(
    cancelUpdate,
    async () => {
      cancelled = true;
      await db.markCancelled(input.messageId);
      setStatus('CANCELLED');
    },
    { validator: onlyWhileWaiting },
  );
  setHandler(
    rescheduleUpdate,
    async (scheduleTime) => {
      // Moved before the write: an old timer firing while the write runs must already see the new time.
      scheduleAt = Date.parse(scheduleTime);
      rescheduled = true;
      await db.recordReschedule(input.messageId, scheduleTime);
    },
    { validator: (_scheduleTime: string) => onlyWhileWaiting() },
  );

  // 1. The durable timer; an update may move it or end the wait.
  for (;;) {
    const wait = scheduleAt - Date.now();
    if (cancelled || wait <= 0) break;
    rescheduled = false;
    await condition(() => cancelled || rescheduled, wait);
  }
  if (cancelled) {
    await condition(allHandlersFinished);
    phase = 'DONE';
    return state();
  }

  // 2. Debit: locks the tenant's balance row, re-checks template and contact, charges or fails cleanly.
  phase = 'DISPATCHING';
  // A reschedule to a past time ends the wait while its database write may still run: it goes first.
  await condition(allHandlersFinished);
  const debit = await db.debitMessage(input.messageId);
  if (!debit.ok) {
    setStatus('FAILED');
    phase = 'DONE';
    return state();
  }
  charged = debit.charged;
  setStatus('DISPATCHING');

  // 3. Send. A refusal (or retries exhausted) fails the message and gives the money back.
  let sent: Awaited<ReturnType<Activities['sendMessage']>>;
  try {
    sent = await provider.sendMessage(input.messageId);
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    sent = { ok: false, reason: 'PROVIDER_UNAVAILABLE', errorCode: undefined };
  }
  if (!sent.ok) {
    refunded = (await db.refundMessage(input.messageId, { reason: sent.reason, errorCode: sent.errorCode })).refunded;
    setStatus('FAILED');
    phase = 'DONE';
    return state();
  }
  setStatus('SENT');

  // 4. Delivery statuses, in any order and possibly repeated. Failed before delivered/read → refund.
  phase = 'AWAITING_STATUS';
  let delivered = false;
  const deadline = Date.now() + input.statusWaitMs;
  while (status !== 'READ' && status !== 'FAILED') {
    const remaining = deadline - Date.now();
    if (remaining <= 0 || !(await condition(() => statuses.length > 0, remaining))) break;
    const next = statuses.shift()!;
    if (next.status === 'read') {
      delivered = true;
      setStatus('READ');
    } else if (next.status === 'delivered' && status !== 'READ') {
      delivered = true;
      setStatus('DELIVERED');
    } else if (next.status === 'failed' && !delivered) {
      refunded = (await db.refundMessage(input.messageId, { reason: 'DELIVERY_FAILED', errorCode: next.errorCode })).refunded;
      setStatus('FAILED');
    }
  }
  phase = 'DONE';
  return state();
}
