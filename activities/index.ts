import type { EntityManager } from '@mikro-orm/postgresql';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Orm } from '../server/db/orm.ts';
import { markCancelled, recordReschedule } from '../server/modules/messages/change-schedule.service.ts';
import { checkBeforeSlot, debitForDispatch, type Prices } from '../server/modules/messages/dispatch.service.ts';
import { startMessageWorkflow } from '../server/modules/messages/schedule.service.ts';
import { reserveSendSlot, SendPaced } from '../server/modules/messages/send-pace.service.ts';
import { SendInFlight, sendToProvider } from '../server/modules/messages/send.service.ts';
import { settleDelivery } from '../server/modules/messages/settlement.service.ts';
import type { TokenBox } from '../server/modules/channels/token-box.ts';
import { escalationStep } from '../server/modules/escalations/escalation.service.ts';
import { closeCancelled, createAndStartBatch, releaseHolds } from '../server/modules/campaigns/campaign-fanout.ts';
import { campaignStep, passCampaignGate } from '../server/modules/campaigns/campaign-run.service.ts';
import type { MessageWorkflows } from '../server/modules/messages/ports.ts';
import type { WhatsAppSender } from '../server/modules/whatsapp/types.ts';
import type { EchoResult } from '../workflows/shared.ts';
import type { TemplateMetaSettings } from '../server/modules/templates/template-meta.service.ts';
import { syncWabaTemplates, wabasWithTemplates } from '../server/modules/templates/template-sync.service.ts';
import { GraphRefusal } from '../server/modules/whatsapp/graph-account.ts';
import { governorWait } from '../server/metrics.ts';

export interface ActivityDeps {
  orm: Orm;
  whatsapp: WhatsAppSender;
  /** Opens the sealed access token of the message's channel. */
  tokens: TokenBox;
  /** Starts the workflows of escalation level messages. */
  messageWorkflows: MessageWorkflows;
  prices: Prices;
  /** Sends per second from the platform number (WHATSAPP_RATE_LIMIT_PER_SECOND); channels carry their own. */
  platformRatePerSecond?: number;
  /** The WhatsApp client's HTTP timeout (the Graph client's default is 10 s): a send needs this much lease left. */
  sendHttpTimeoutMs?: number;
  /** After a send call with no answer, how long before the next attempt (time for Meta's first status to name the message). */
  sendLostAnswerGraceMs?: number;
  /** Where templates are looked up on Meta, and with which tokens (the template sync). */
  templateMeta?: TemplateMetaSettings;
}

/** Meta's default throughput per business number, in messages per second. */
const DEFAULT_PLATFORM_RATE = 80;
/** How long a send may wait for its number's turn inside an activity slot (the workflow has done the long wait). */
const MAX_TURN_WAIT_MS = 5_000;

/** Meta's `sent` status usually follows its acceptance within seconds; a lost answer waits this long for it. */
const DEFAULT_LOST_ANSWER_GRACE_MS = 20_000;

/** How long a send claim lasts when the workflow does not say (workflows started before the claim existed). */
const DEFAULT_SEND_LEASE_MS = 120_000;

/** A claim held by another attempt, or the number's turn far off: retry then, not on the usual backoff. */
function retryWhenFree(error: unknown): never {
  if (error instanceof SendInFlight) {
    throw ApplicationFailure.create({ type: 'SEND_IN_FLIGHT', message: error.message, nextRetryDelay: Math.max(error.retryAfterMs, 500) });
  }
  if (error instanceof SendPaced) {
    throw ApplicationFailure.create({ type: 'SEND_PACED', message: error.message, nextRetryDelay: Math.max(error.retryAfterMs, 500) });
  }
  throw error;
}

/** Heartbeats while `work` runs, so Temporal notices a dead worker long before the attempt's timeout. */
async function heartbeating<T>(work: (cancelled: () => boolean) => Promise<T>): Promise<T> {
  const context = Context.current();
  const timer = setInterval(() => context.heartbeat(), 1_000);
  try {
    context.heartbeat();
    return await work(() => context.cancellationSignal.aborted);
  } finally {
    clearInterval(timer);
  }
}

/**
 * Activities are thin adapters to domain services; the worker builds their dependencies once. Their names
 * are recorded in every workflow history, so `debitMessage` and `sendMessage` keep theirs (renaming one
 * would break the replay of workflows in flight); the others are named after the function they call.
 */
export function createActivities(deps: ActivityDeps) {
  // Each activity works in its own EntityManager; the worker's global one is never used for work.
  const em = () => deps.orm.em.fork() as EntityManager;
  const httpTimeoutMs = deps.sendHttpTimeoutMs ?? 10_000;
  const lostAnswerGraceMs = deps.sendLostAnswerGraceMs ?? DEFAULT_LOST_ANSWER_GRACE_MS;
  // A root refused at dispatch or by Meta makes its next escalation level due at once: its escalation is told
  // (nothing happens for a message without one). Refusals are rare, so the hot path pays nothing.
  const wakeIfRefused =
    (messageId: string) =>
    async <T extends { ok: boolean }>(result: T): Promise<T> => {
      if (!result.ok) await deps.messageWorkflows.wakeEscalation(messageId);
      return result;
    };
  const pacing = { platformRatePerSecond: deps.platformRatePerSecond ?? DEFAULT_PLATFORM_RATE, maxWaitMs: MAX_TURN_WAIT_MS };
  return {
    async echoThroughDatabase(text: string): Promise<EchoResult> {
      const rows = await em().execute<{ upper: string; length: number }[]>('select upper(?) as upper, char_length(?)::int as length', [
        text,
        text,
      ]);
      const row = rows[0];
      if (!row) throw new Error('the database returned no row');
      return { text, upper: row.upper, length: row.length };
    },
    /** The governor: the slot at which the message's number may send it (the workflow sleeps until then). */
    reserveSendSlot: async (messageId: string) => {
      const slot = await reserveSendSlot(em(), messageId, pacing.platformRatePerSecond);
      governorWait.observe(Math.max(slot.waitMs, 0) / 1000);
      return slot;
    },
    /** The dispatch checks before the send slot (unlocked): a message that will be refused takes no slot. */
    checkBeforeSlot: (messageId: string) => checkBeforeSlot(em(), deps.prices, messageId).then(wakeIfRefused(messageId)),
    debitMessage: (messageId: string) => debitForDispatch(em(), deps.prices, messageId).then(wakeIfRefused(messageId)),
    sendMessage: (messageId: string, options: { leaseMs?: number } = {}) => {
      const policy = { leaseMs: options.leaseMs ?? DEFAULT_SEND_LEASE_MS, httpTimeoutMs, pacing, lostAnswerGraceMs };
      return heartbeating((cancelled) => sendToProvider(em(), deps.whatsapp, deps.tokens, messageId, policy, { cancelled }))
        .catch(retryWhenFree)
        .then(wakeIfRefused(messageId));
    },
    /** Looks at the stored evidence and refunds only if it shows a failure (woken by a status signal or a failed send). */
    settleDelivery: (messageId: string, sendGaveUp = false) => settleDelivery(em(), messageId, sendGaveUp).catch(retryWhenFree),
    /** Kept for workflows started before settleDelivery: now the same evidence check, whatever reason it is given. */
    refundMessage: async (messageId: string, failure: { reason: string; errorCode: number | undefined }) => {
      const settled = await settleDelivery(em(), messageId, failure.reason !== 'DELIVERY_FAILED').catch(retryWhenFree);
      return { refunded: settled.refunded };
    },
    markCancelled: (messageId: string) => markCancelled(em(), messageId),
    /** Decides a root's escalation in the database; the level messages it created get their workflows here. */
    async escalationStep(rootMessageId: string, asOf?: string) {
      const step = await escalationStep(em(), rootMessageId, asOf ? new Date(asOf) : undefined);
      // Started after the decision committed; a crash in between leaves them to the reconciler, as for any message.
      for (const level of step.started) await startMessageWorkflow(em(), deps.messageWorkflows, level);
      return { done: step.done, wakeAt: step.wakeAt, state: step.state, levelsStarted: step.started.map((level) => level.id) };
    },
    recordReschedule: (messageId: string, scheduleTime: string) => recordReschedule(em(), messageId, scheduleTime),
    /** The WABAs the template sync visits. */
    templateSyncWabas: () => wabasWithTemplates(em()),
    /** Repairs one WABA's templates from Meta's listing. */
    syncWabaTemplates: (wabaId: string) => {
      if (!deps.templateMeta) throw ApplicationFailure.nonRetryable('this worker was started without template settings');
      return syncWabaTemplates(em(), deps.templateMeta, wabaId).catch((error: unknown) => {
        // A token Meta refuses (revoked, not this WABA's) stays refused: the next scheduled run tries again.
        if (error instanceof GraphRefusal && error.httpStatus !== undefined && error.httpStatus < 500 && error.httpStatus !== 429) {
          throw ApplicationFailure.nonRetryable(error.message, 'META_REFUSED');
        }
        throw error;
      });
    },
    // Campaigns: the gate a due message asks, and the campaign workflow's steps (campaign-run.service.ts, campaign-fanout.ts).
    passCampaignGate: (messageId: string) => passCampaignGate(em(), messageId),
    campaignStep: (campaignId: string) => campaignStep(em(), campaignId, pacing.platformRatePerSecond),
    createCampaignBatch: (campaignId: string, afterSeq: number, size: number, options?: { notWhilePaused?: boolean }) =>
      heartbeating(() => createAndStartBatch(em(), deps.messageWorkflows, campaignId, afterSeq, size, () => Context.current().heartbeat(), options)),
    releaseCampaignHolds: (campaignId: string) => heartbeating(() => releaseHolds(em(), deps.messageWorkflows, campaignId, () => Context.current().heartbeat())),
    /** Resumes after the last message an earlier attempt reported in its heartbeat. */
    closeCancelledCampaign: (campaignId: string) => {
      const context = Context.current();
      const afterId = (context.info.heartbeatDetails as string | undefined) || null;
      return closeCancelled(em(), deps.messageWorkflows, campaignId, afterId, (lastId) => context.heartbeat(lastId));
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
