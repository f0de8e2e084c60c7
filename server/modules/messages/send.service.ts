import type { EntityManager } from '@mikro-orm/postgresql';
import { sendsRecovered } from '../../metrics.ts';
import { messageNotFound } from '../../shared/errors.ts';
import type { TokenBox } from '../channels/token-box.ts';
import { applyConsentChange } from '../contacts/consent.service.ts';
import { WhatsAppError, type WhatsAppSender } from '../whatsapp/types.ts';
import { failMessage } from './message-rows.ts';
import { awaitSendTurn, type SendPacing } from './send-pace.service.ts';
import { recordEvent } from './status-history.ts';
import { drainOrphans, wamidByCallbackData } from './status-orphans.ts';
import { isDispatchable, sqlStatusList, statusesMovedBy, type MessageStatus } from './status-rules.ts';

/** What a send needs of the message, its contact and its template. */
interface SendRow {
  status: MessageStatus;
  provider_message_id: string | null;
  body_parameters: string[] | null;
  phone: string;
  template_name: string;
  language: string;
  contact_id: string;
  /** null: the platform number. */
  channel_id: string | null;
  channel_status: string | null;
  channel_phone_number_id: string | null;
  channel_token_sealed: string | null;
}

/** Meta's error 131050: the user stopped marketing messages from this business; never retried. */
const MARKETING_STOPPED = 131050;

/** WhatsApp accepting the message is its first delivery progress, as a SENT report would be. */
const ACCEPTED_FROM = sqlStatusList(statusesMovedBy('SENT'));

export type SendResult =
  /** `statusesWaiting`: provider statuses were applied without a signal (they arrived before the wamid was stored). */
  | { ok: true; wamid: string; statusesWaiting: boolean }
  | { ok: false; reason: string; errorCode: number | undefined };

export interface SendPolicy {
  /** How long a claim keeps other attempts away from WhatsApp; must outlast the HTTP timeout. */
  leaseMs: number;
  /** The Graph client's HTTP timeout: a call started with less lease than this left is not started. */
  httpTimeoutMs: number;
  /** The number's send rate, enforced right before the call (absent: not paced, as in direct tests). */
  pacing?: SendPacing;
  /**
   * After a call that got no answer, how long the claim is kept before the next attempt: time for Meta's first
   * status, which names the message if Meta accepted it (absent: released at once, as in direct tests).
   */
  lostAnswerGraceMs?: number;
}

/** What a send gives Meta as `biz_opaque_callback_data`; Meta returns it with each status of the message. */
const callbackDataOf = (messageId: string) => `herald:message:${messageId}`;

export interface SendHooks {
  /** True once Temporal has given up on this attempt (timed out or cancelled): it must not start a call. */
  cancelled?: () => boolean;
}

/** Another attempt holds the send claim: retry once it has expired (retryable). */
export class SendInFlight extends Error {
  readonly retryAfterMs: number;
  constructor(messageId: string, retryAfterMs: number, why = 'Another attempt may still be sending message') {
    super(`${why} ${messageId}; its claim runs ${retryAfterMs} ms more`);
    this.name = 'SendInFlight';
    this.retryAfterMs = retryAfterMs;
  }
}

/** Runs once the wamid's storing has committed: applies the statuses that arrived before it. */
async function accepted(em: EntityManager, messageId: string, wamid: string, storedEarlier: boolean): Promise<SendResult> {
  const drained = await drainOrphans(em, wamid, messageId);
  if (drained.length > 0 || !storedEarlier) return { ok: true, wamid, statusesWaiting: drained.length > 0 };
  // The attempt that stored the wamid may have drained and then died before the workflow heard of it.
  const [stored] = await em.execute<{ found: boolean }[]>(
    `select exists (select 1 from message_status_event where message_id = ? and source = 'PROVIDER') as found`,
    [messageId],
  );
  return { ok: true, wamid, statusesWaiting: Boolean(stored?.found) };
}

async function releaseClaim(em: EntityManager, messageId: string, attempt: number) {
  await em.execute('update message set send_claimed_until = null where id = ? and send_attempts = ?', [messageId, attempt], 'run');
}

/** Keeps this attempt's claim `ms` more from now (shortening a longer lease), so the next attempt waits that long. */
async function holdClaim(em: EntityManager, messageId: string, attempt: number, ms: number) {
  await em.execute(
    `update message set send_claimed_until = clock_timestamp() + ? * interval '1 millisecond' where id = ? and send_attempts = ?`,
    [ms, messageId, attempt],
    'run',
  );
}

/** Stores Meta's acceptance (its wamid, the number it left from) and moves the message to SENT; then drains early statuses. */
async function storeAccepted(em: EntityManager, messageId: string, wamid: string, fromNumber: string, detail: string): Promise<SendResult> {
  await em.transactional(async (tx) => {
    await tx.execute(
      `update message set provider_message_id = ?, from_phone_number_id = ?,
         status = case when status in (${ACCEPTED_FROM}) then 'SENT' else status end,
         send_claimed_until = null, sent_at = coalesce(sent_at, now()), updated_at = now() where id = ?`,
      [wamid, fromNumber, messageId],
      'run',
    );
    await recordEvent(tx, messageId, 'SENT', 'WORKFLOW', { detail });
  });
  return accepted(em, messageId, wamid, false);
}

/**
 * The provider call, guarded by a claim. Before calling WhatsApp an attempt stores a lease
 * (send_claimed_until); while it runs, no other attempt calls WhatsApp for this message, and an attempt
 * whose database work stalls (say the wamid UPDATE waits on a lock) is not repeated by Temporal's retry.
 *
 * Meta has no idempotency key, so an acceptance whose answer was lost (the worker died after the call, the
 * connection broke, the database stalled past the lease) is recognised by Meta's statuses instead: each send
 * carries the message id as `biz_opaque_callback_data`, Meta returns it with every status, and an attempt after
 * the first looks for such a status before calling. After a call with no answer the claim is kept
 * `lostAnswerGraceMs`, so that status has time to come. Where a duplicate can still happen: Meta accepted the
 * message and none of its statuses reached Herald before the next attempt (the lease after a dead worker, the
 * grace after a lost answer); then the next attempt sends again.
 */
export async function sendToProvider(
  em: EntityManager,
  sender: WhatsAppSender,
  tokens: TokenBox,
  messageId: string,
  policy: SendPolicy,
  hooks: SendHooks = {},
): Promise<SendResult> {
  const [row] = await em.execute<SendRow[]>(
    `select m.status, m.provider_message_id, m.body_parameters, c.phone, t.name as template_name, t.language, m.contact_id, m.channel_id,
       ch.status as channel_status, ch.phone_number_id as channel_phone_number_id, ch.access_token_sealed as channel_token_sealed
     from message m join contact c on c.id = m.contact_id join template t on t.id = m.template_id
       left join channel ch on ch.id = m.channel_id
     where m.id = ?`,
    [messageId],
  );
  if (!row) throw messageNotFound(messageId);
  if (row.provider_message_id) return accepted(em, messageId, row.provider_message_id, true);
  if (!isDispatchable(row.status)) return { ok: false, reason: `NOT_DISPATCHABLE_${row.status}`, errorCode: undefined };
  // Disabled after the debit: nothing goes out, and the failure is the send step's own refusal (refunded).
  if (row.channel_id !== null && row.channel_status !== 'ACTIVE') {
    await em.transactional((tx) => failMessage(tx, messageId, 'CHANNEL_DISABLED', 'the channel was disabled before the message went out'));
    return { ok: false, reason: 'CHANNEL_DISABLED', errorCode: undefined };
  }
  const from =
    row.channel_id !== null
      ? { phoneNumberId: row.channel_phone_number_id!, accessToken: tokens.open(row.channel_token_sealed!, row.channel_id) }
      : undefined;

  // The number's turn comes before the claim, so the lease covers the call and not the wait.
  if (policy.pacing) await awaitSendTurn(em, messageId, policy.pacing);

  // Measured before the claim is sent: the database's lease starts no earlier, so it ends no earlier.
  const leaseEnds = Date.now() + policy.leaseMs;
  const [claim] = await em.execute<{ send_attempts: number }[]>(
    `update message set send_claimed_until = clock_timestamp() + ? * interval '1 millisecond', send_attempts = send_attempts + 1
     where id = ? and status = 'DISPATCHING' and provider_message_id is null
       and (send_claimed_until is null or send_claimed_until <= clock_timestamp())
     returning send_attempts`,
    [policy.leaseMs, messageId],
  );
  if (!claim) {
    const [now] = await em.execute<{ status: MessageStatus; provider_message_id: string | null; claim_ms: number }[]>(
      `select status, provider_message_id,
         greatest(0, ceil(extract(epoch from send_claimed_until - clock_timestamp()) * 1000))::int as claim_ms
       from message where id = ?`,
      [messageId],
    );
    if (now?.provider_message_id) return accepted(em, messageId, now.provider_message_id, true);
    if (!now || !isDispatchable(now.status)) return { ok: false, reason: `NOT_DISPATCHABLE_${now?.status}`, errorCode: undefined };
    throw new SendInFlight(messageId, Number(now.claim_ms ?? 0));
  }
  const attempt = Number(claim.send_attempts);
  const fromNumber = from?.phoneNumberId ?? sender.platformPhoneNumberId;
  if (attempt > 1) {
    // An earlier attempt may have been accepted without hearing so: Meta's status naming the message proves it.
    const lostWamid = await wamidByCallbackData(em, callbackDataOf(messageId), fromNumber);
    if (lostWamid) {
      sendsRecovered.inc();
      return storeAccepted(em, messageId, lostWamid, fromNumber, `accepted by WhatsApp as ${lostWamid}: an earlier attempt's answer was lost, Meta's status named the message`);
    }
  }
  // Too late to call within the lease (the claim itself was slow), or Temporal has given up on us.
  if (hooks.cancelled?.() || Date.now() + policy.httpTimeoutMs >= leaseEnds) {
    await releaseClaim(em, messageId, attempt);
    throw new Error(`Send attempt ${attempt} of message ${messageId} gave up before calling WhatsApp`);
  }

  let wamid: string;
  try {
    // Not aborted on cancellation: once the request may have reached Meta, storing its wamid beats forgetting it.
    ({ wamid } = await sender.sendTemplate({
      to: row.phone,
      templateName: row.template_name,
      language: row.language,
      bodyParameters: row.body_parameters ?? [],
      from,
      callbackData: callbackDataOf(messageId),
    }));
  } catch (error) {
    if (error instanceof WhatsAppError && error.advice !== 'retry') {
      await em.transactional(async (tx) => {
        await failMessage(tx, messageId, 'PROVIDER_REJECTED', error.message, error.code);
        await tx.execute('update message set send_claimed_until = null where id = ?', [messageId], 'run');
        // Meta's word that this contact stopped marketing from the business: later marketing sends are refused before Meta.
        if (error.code === MARKETING_STOPPED) {
          await applyConsentChange(tx, { contactId: row.contact_id, scope: 'MARKETING', optedOut: true, source: 'META_ERROR_131050', occurredAt: new Date() });
        }
      });
      return { ok: false, reason: 'PROVIDER_REJECTED', errorCode: error.code };
    }
    // No answer at all (timeout, reset connection): Meta may have accepted it, so the next attempt waits for its status.
    if (error instanceof WhatsAppError && error.httpStatus === undefined && policy.lostAnswerGraceMs !== undefined) {
      await holdClaim(em, messageId, attempt, policy.lostAnswerGraceMs);
      throw new SendInFlight(messageId, policy.lostAnswerGraceMs, `WhatsApp's answer was lost (${error.message}); waiting for a status naming message`);
    }
    await releaseClaim(em, messageId, attempt);
    throw error; // retryable: the activity's retry policy backs off and tries again
  }
  return storeAccepted(em, messageId, wamid, fromNumber, `accepted by WhatsApp as ${wamid}`);
}
