import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../shared/errors.ts';
import { units } from '../../shared/money.ts';
import { findMessageEntry, postEntry } from '../billing/ledger.service.ts';
import type { ChargeState } from './message.entity.ts';
import { claimRemainingMs, failMessage, lockMessage, type MessageRow } from './message-rows.ts';
import { recordEvent } from './status-history.ts';
import { judgeDelivery, type DeliveryFacts } from './delivery-rules.ts';
import { SendInFlight } from './send.service.ts';
import type { MessageStatus, ReportedStatus } from './status-rules.ts';
import { countRefund } from '../../metrics.ts';

/** A provider status as the history stores it (`recorded_at` is when Herald learned of it). */
interface ProviderEventRow {
  status: ReportedStatus;
  recorded_at: Date;
  provider_error_code: number | null;
}

export interface Settled {
  /** The message's status as stored now (what the workflow shows and searches by). */
  status: MessageStatus;
  charged: boolean;
  refunded: boolean;
  /** Nothing left for the workflow to wait for. */
  done: boolean;
}

const FAILURE_DETAIL: Record<string, string> = {
  DELIVERY_FAILED: 'WhatsApp reported that the message could not be delivered',
  PROVIDER_UNAVAILABLE: 'WhatsApp did not accept the message after repeated attempts',
};

async function readFacts(tx: EntityManager, message: MessageRow): Promise<DeliveryFacts> {
  const events = await tx.execute<ProviderEventRow[]>(
    `select status, recorded_at, provider_error_code from message_status_event
     where message_id = ? and source = 'PROVIDER' order by recorded_at, id`,
    [message.id],
  );
  return {
    status: message.status,
    chargeState: message.charge_state,
    providerMessageId: message.provider_message_id,
    failureReason: message.failure_reason,
    sendClaimLive: Boolean(message.send_claim_live),
    providerBillable: message.provider_billable,
    providerStatuses: events.map((event) => ({ status: event.status, recordedAt: new Date(event.recorded_at), errorCode: event.provider_error_code })),
  };
}

/**
 * Looks at what PostgreSQL holds about a message (under its row lock) and settles it: refunds its charge
 * if and only if the stored evidence says it failed or Meta does not bill it (see delivery-rules.ts), at most
 * once ever. The workflow calls this when a status signal wakes it and when its send step ended without a
 * wamid; the webhook calls it when it has stored Meta's word that the message is not billable, which may
 * come after the workflow has finished.
 */
export async function settleDelivery(em: EntityManager, messageId: string, sendGaveUp = false): Promise<Settled> {
  let refundedHere: bigint | undefined;
  const settled = await em.transactional(async (tx) => {
    const message = await lockMessage(tx, messageId);
    const verdict = judgeDelivery(await readFacts(tx, message), sendGaveUp);
    if (verdict.kind === 'wait') {
      throw new SendInFlight(messageId, await claimRemainingMs(tx, messageId));
    }
    const failure = verdict.failure;
    let status: MessageStatus = message.status;
    if (verdict.markFailed && failure && (await failMessage(tx, messageId, failure.reason, FAILURE_DETAIL[failure.reason]!))) status = 'FAILED';
    let chargeState: ChargeState = message.charge_state;
    if (verdict.refund) {
      const debit = await findMessageEntry(tx, messageId, 'MESSAGE');
      if (debit) {
        try {
          await postEntry(tx, {
            tenantId: message.tenant_id,
            type: 'CREDIT',
            reason: 'REFUND',
            amount: units(debit.amount),
            messageId,
            refundOf: debit.id,
            description: failure ? `Refund: ${failure.reason}` : 'Refund: not billable (Meta charges nothing for it)',
          });
          refundedHere = units(debit.amount);
        } catch (error) {
          if (!(error instanceof AppError && error.reason === 'ALREADY_POSTED')) throw error;
        }
        await tx.execute(`update message set charge_state = 'REFUNDED', updated_at = now() where id = ?`, [messageId], 'run');
        await recordEvent(tx, messageId, 'REFUNDED', 'WORKFLOW');
        chargeState = 'REFUNDED';
      }
    }
    return { status, charged: chargeState !== 'NONE', refunded: chargeState === 'REFUNDED', done: verdict.done };
  });
  if (refundedHere !== undefined) countRefund(refundedHere);
  return settled;
}
