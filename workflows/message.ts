import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { failureCounts, isRead, statusAfterReport, type MessageStatus, type ReportedStatus } from '../server/modules/messages/status-rules.ts';
import {
  MESSAGE_STATUS_KEY,
  TOO_LATE,
  campaignGateSignal,
  cancelUpdate,
  providerStatusSignal,
  rescheduleUpdate,
  stateQuery,
  type MessageWorkflowInput,
  type MessageWorkflowState,
  type ProviderStatusSignal,
  type SendTimeouts,
  type WorkflowPhase,
} from './shared.ts';

// Workflows in flight run this code again from their history: a change in the order of their steps goes
// behind patched(id), the old branch kept while histories without the marker may exist (see the replay test).
/** The send attempt claims the message, heartbeats and has consistent timeouts. */
const SEND_CLAIM = 'send-claim';
/** Refunds are decided by settleDelivery from the database; a status signal only wakes the workflow. */
const SETTLE_FROM_DATABASE = 'settle-from-database';
/** A run that has been rescheduled many times continues as new. */
const CONTINUE_AFTER_RESCHEDULES = 'continue-after-reschedules';
/** The short database steps run as local activities: no trip through the task queue, where sends wait. */
const LOCAL_DATABASE_STEPS = 'local-database-steps';
/** Before its debit a message takes a send slot of its number and sleeps until it: no number sends above its rate. */
const CHANNEL_GOVERNOR = 'channel-governor';
/** A campaign's message, once due, asks its campaign's gate: a paused campaign holds it (no debit, no send). */
const CAMPAIGN_GATE = 'campaign-gate';
/** The dispatch checks (funds, consent, template) run before the send slot: a message that will fail holds up no one. */
const CHECK_BEFORE_SLOT = 'check-before-slot';

// The lease outlasts the attempt, so an attempt Temporal may still consider alive always holds its claim;
// the worker's HTTP timeout (10 s) fits well inside both.
const SEND_TIMEOUTS: SendTimeouts = { attemptMs: 30_000, heartbeatMs: 10_000, leaseMs: 120_000 };
const RESCHEDULE_LIMIT = 100;
const SLOT_TIMER_MIN_MS = 100;
const CAMPAIGN_HOLD_RECHECK_MS = 15 * 60_000;
const SEND_RETRY = { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 8 } as const;

// Database work: short, retried until it succeeds (each activity is idempotent). The timeout is also how
// long a step of a worker that died waits before another worker retries it.
const DATABASE_STEP = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
} as const;
const remoteDb = proxyActivities<Activities>(DATABASE_STEP);
const localDb = proxyLocalActivities<Activities>(DATABASE_STEP);
// The provider call before the send claim: retryable errors back off; refusals come back as results.
const legacyProvider = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: SEND_RETRY });

/**
 * One scheduled message: sleep until its time (cancel and reschedule arrive as updates), debit under the
 * tenant's row lock, send, then follow delivery statuses and refund a failure. Money moves only in
 * activities, each idempotent, so a replayed or retried step never charges or refunds twice.
 */
export async function messageWorkflow(input: MessageWorkflowInput): Promise<MessageWorkflowState> {
  // Decided at the run's first database step, where histories from before the patch hold a scheduled activity.
  let chosenDb: typeof remoteDb | undefined;
  const db = () => (chosenDb ??= patched(LOCAL_DATABASE_STEPS) ? localDb : remoteDb);
  let phase: WorkflowPhase = 'WAITING';
  let status = 'SCHEDULED' as MessageStatus;
  let scheduleAt = Date.parse(input.scheduleTime);
  let cancelled = false;
  let rescheduled = false;
  let reschedules = 0;
  let charged = false;
  let refunded = false;
  let released = false;
  let gated = false;
  const statuses: ProviderStatusSignal[] = [];

  const state = (): MessageWorkflowState => ({ phase, status, scheduleTime: new Date(scheduleAt).toISOString(), charged, refunded });
  const setStatus = (next: MessageStatus) => {
    status = next;
    upsertSearchAttributes([{ key: MESSAGE_STATUS_KEY, value: next }]);
  };
  const onlyWhileWaiting = () => {
    if (phase !== 'WAITING' || cancelled) throw ApplicationFailure.nonRetryable('The message is already being dispatched', TOO_LATE);
  };
  /** What the database decided: the workflow only mirrors it (state query, MessageStatus attribute). */
  const mirror = (settled: { status: MessageStatus; charged: boolean; refunded: boolean }) => {
    if (settled.status !== status) setStatus(settled.status);
    charged = settled.charged;
    refunded = settled.refunded;
  };
  const done = () => {
    phase = 'DONE';
    return state();
  };

  setHandler(stateQuery, state);
  setHandler(providerStatusSignal, (signal) => void statuses.push(signal));
  setHandler(campaignGateSignal, () => void (released = true));
  setHandler(
    cancelUpdate,
    async () => {
      cancelled = true;
      await db().markCancelled(input.messageId);
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
      reschedules += 1;
      await db().recordReschedule(input.messageId, scheduleTime);
    },
    { validator: (_scheduleTime: string) => onlyWhileWaiting() },
  );

  // 1. The durable timer; an update may move it or end the wait. A campaign's message then passes its gate.
  for (;;) {
    for (;;) {
      const wait = scheduleAt - Date.now();
      if (cancelled || wait <= 0) break;
      const tooLong = reschedules >= (input.rescheduleLimit ?? RESCHEDULE_LIMIT) || workflowInfo().continueAsNewSuggested;
      if (tooLong && patched(CONTINUE_AFTER_RESCHEDULES)) {
        // A fresh run with the current time: the history of every earlier move stays with this run.
        await condition(allHandlersFinished);
        if (cancelled || scheduleAt <= Date.now()) continue;
        await continueAsNew<typeof messageWorkflow>({ ...input, scheduleTime: new Date(scheduleAt).toISOString() });
      }
      rescheduled = false;
      await condition(() => cancelled || rescheduled, wait);
    }
    if (cancelled || !input.campaignId) break;
    gated = patched(CAMPAIGN_GATE);
    if (!gated) break;
    // Cleared before the look: a release that arrives while the gate is asked makes the wait below end at once.
    released = false;
    const gate = await localDb.passCampaignGate(input.messageId);
    if (gate === 'OPEN') break;
    if (gate === 'CANCELLED') {
      cancelled = true;
      setStatus('CANCELLED');
      break;
    }
    // Held: a timer and a signal cost no worker slot; the recheck only covers a release that never came.
    rescheduled = false;
    await condition(() => cancelled || rescheduled || released, CAMPAIGN_HOLD_RECHECK_MS);
  }
  if (cancelled) {
    await condition(allHandlersFinished);
    return done();
  }

  // 2. Checks, a send slot, then the debit: it locks the tenant's balance row, re-checks everything (funds, template,
  // contact may have changed while the message slept for its slot), charges or fails cleanly.
  phase = 'DISPATCHING';
  // A reschedule to a past time ends the wait while its database write may still run: it goes first.
  await condition(allHandlersFinished);
  if (patched(CHANNEL_GOVERNOR)) {
    const checked = patched(CHECK_BEFORE_SLOT) ? await localDb.checkBeforeSlot(input.messageId) : { ok: true as const };
    if (!checked.ok) {
      // Refused here, or found already settled (a campaign's cancel that came after its gate): the database says which.
      setStatus(checked.reason === 'CANCELLED' ? 'CANCELLED' : 'FAILED');
      return done();
    }
    // Waiting here, not in an activity, keeps a number's backlog out of the worker's activity slots, where
    // other numbers' sends would queue behind it.
    for (;;) {
      const slot = await localDb.reserveSendSlot(input.messageId);
      // A timer costs a workflow task round trip: a shorter wait is left to the send's own turn (activities/index.ts).
      if (slot.waitMs > SLOT_TIMER_MIN_MS) await sleep(slot.waitMs, { summary: `send slot of ${slot.channelKey} (${slot.ratePerSecond}/s) at ${slot.slotAt}` });
      // A campaign paused while this message slept for its slot: it waits for the resume, then takes a new slot.
      if (!gated || slot.waitMs <= SLOT_TIMER_MIN_MS) break;
      released = false;
      const gate = await localDb.passCampaignGate(input.messageId);
      if (gate === 'OPEN') break;
      if (gate === 'CANCELLED') {
        setStatus('CANCELLED');
        return done();
      }
      await condition(() => released, CAMPAIGN_HOLD_RECHECK_MS);
    }
  }
  const debit = await db().debitMessage(input.messageId);
  if (!debit.ok) {
    setStatus('FAILED');
    return done();
  }
  charged = debit.charged;
  setStatus('DISPATCHING');

  // 3. Send. A refusal (or retries exhausted) fails the message and gives the money back.
  let sent: Awaited<ReturnType<Activities['sendMessage']>>;
  try {
    if (patched(SEND_CLAIM)) {
      const timeouts = { ...SEND_TIMEOUTS, ...input.sendTimeouts };
      const provider = proxyActivities<Activities>({
        startToCloseTimeout: timeouts.attemptMs,
        heartbeatTimeout: timeouts.heartbeatMs,
        retry: SEND_RETRY,
      });
      sent = await provider.sendMessage(input.messageId, { leaseMs: Math.max(timeouts.leaseMs, timeouts.attemptMs) });
    } else {
      sent = await legacyProvider.sendMessage(input.messageId);
    }
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    sent = { ok: false, reason: 'PROVIDER_UNAVAILABLE', errorCode: undefined };
  }
  if (!sent.ok) {
    if (patched(SETTLE_FROM_DATABASE)) {
      const settled = await db().settleDelivery(input.messageId, true);
      mirror(settled);
      // Not done: an earlier attempt's wamid is stored after all, so its statuses are followed.
      if (settled.done) return done();
    } else {
      refunded = (await db().refundMessage(input.messageId, { reason: sent.reason, errorCode: sent.errorCode })).refunded;
      setStatus('FAILED');
      return done();
    }
  } else {
    setStatus('SENT');
    // Statuses that beat the wamid's storing were applied by the send itself and no signal comes for them.
    // Decided by the recorded result (absent in older histories), so replays issue the same commands.
    if (sent.statusesWaiting) {
      const settled = await db().settleDelivery(input.messageId, false);
      mirror(settled);
      if (settled.done) return done();
    }
  }

  // 4. Delivery statuses, in any order and possibly repeated.
  phase = 'AWAITING_STATUS';
  const deadline = Date.now() + input.statusWaitMs;
  let finished = false;
  while (!finished) {
    const remaining = deadline - Date.now();
    if (remaining <= 0 || !(await condition(() => statuses.length > 0, remaining))) break;
    if (patched(SETTLE_FROM_DATABASE)) {
      // A signal is a wake-up, never proof: settleDelivery reads the statuses the verified webhook stored.
      statuses.length = 0;
      const settled = await db().settleDelivery(input.messageId, false);
      mirror(settled);
      finished = settled.done;
      continue;
    }
    // Only histories from before the patch take this branch. It trusts the signal, and its commands must
    // replay as recorded: a counting failure refunds, a delivered/read that the rules keep is set (again).
    const next = statuses.shift()!;
    const reported = next.status.toUpperCase() as ReportedStatus;
    if (reported === 'FAILED') {
      if (failureCounts(status)) {
        refunded = (await db().refundMessage(input.messageId, { reason: 'DELIVERY_FAILED', errorCode: next.errorCode })).refunded;
        setStatus('FAILED');
      }
    } else if (reported !== 'SENT' && statusAfterReport(status, reported) === reported) {
      setStatus(reported);
    }
    finished = isRead(status) || status === 'FAILED';
  }
  return done();
}
