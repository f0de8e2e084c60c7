// When a sent message counts as failed, and so is refunded: decided from what PostgreSQL holds, never from
// a workflow signal (a signal only says "look again"). Pure and import-free apart from the status rules.
import { failureCounts, isDispatchable, isRead, type MessageStatus, type ReportedStatus } from './status-rules.ts';

/** A provider status as the signature-verified webhook stored it (message_status_event, source PROVIDER). */
export interface StoredProviderStatus {
  status: ReportedStatus;
  recordedAt: Date;
  errorCode: number | null;
}

export interface DeliveryFacts {
  status: MessageStatus;
  chargeState: string;
  providerMessageId: string | null;
  failureReason: string | null;
  /** An earlier send attempt holds an unexpired claim: it may still be talking to WhatsApp. */
  sendClaimLive: boolean;
  providerStatuses: StoredProviderStatus[];
  /** Meta's `pricing.billable` as stored from its statuses: false once any said Meta charges nothing. */
  providerBillable?: boolean | null | undefined;
}

export type FailureReason = 'PROVIDER_REJECTED' | 'PROVIDER_UNAVAILABLE' | 'DELIVERY_FAILED' | 'CHANNEL_DISABLED';

/** Failures the send step itself records before any wamid exists: Meta's refusal, or a channel disabled meanwhile. */
const SEND_REFUSALS: readonly string[] = ['PROVIDER_REJECTED', 'CHANNEL_DISABLED'] satisfies FailureReason[];

export type DeliveryVerdict =
  /** An attempt may still be in flight: decide again once its claim has expired. */
  | { kind: 'wait' }
  | {
      kind: 'settle';
      /** The message failed for this reason (undefined: it did not). */
      failure: { reason: FailureReason; errorCode: number | null } | undefined;
      /** Set the message FAILED now (the retries-exhausted case, which no other step records). */
      markFailed: boolean;
      refund: boolean;
      /** Nothing left for the workflow to wait for. */
      done: boolean;
    };

/** The first stored `failed` with no delivered/read stored before it: Meta's word that delivery failed. */
function deliveryFailure(statuses: StoredProviderStatus[]): StoredProviderStatus | undefined {
  const failed = statuses.find((event) => event.status === 'FAILED');
  if (!failed) return undefined;
  const deliveredBefore = statuses.some(
    (event) => !failureCounts(event.status) && event.recordedAt.getTime() < failed.recordedAt.getTime(),
  );
  return deliveredBefore ? undefined : failed;
}

/**
 * `sendGaveUp`: the workflow's send step ended without a wamid (refused, or Temporal's retries ran out).
 * That alone proves nothing: a refusal counts only as recorded by the send activity, and "gave up" only
 * when no wamid is stored and no attempt can still be in flight.
 */
export function judgeDelivery(facts: DeliveryFacts, sendGaveUp: boolean): DeliveryVerdict {
  const noWamid = facts.providerMessageId === null;
  const refused = noWamid && facts.failureReason !== null && SEND_REFUSALS.includes(facts.failureReason);
  const unavailable = sendGaveUp && noWamid && !refused && isDispatchable(facts.status);
  if (unavailable && facts.sendClaimLive) return { kind: 'wait' };
  const failedDelivery = noWamid ? undefined : deliveryFailure(facts.providerStatuses);
  const failure = refused
    ? { reason: facts.failureReason as FailureReason, errorCode: null }
    : unavailable
      ? { reason: 'PROVIDER_UNAVAILABLE' as const, errorCode: null }
      : failedDelivery
        ? { reason: 'DELIVERY_FAILED' as const, errorCode: failedDelivery.errorCode }
        : undefined;
  return {
    kind: 'settle',
    failure,
    markFailed: unavailable,
    // A failure costs the tenant nothing, and neither does a message Meta itself does not bill.
    refund: (failure !== undefined || facts.providerBillable === false) && facts.chargeState === 'CHARGED',
    done: failure !== undefined || isRead(facts.status) || (sendGaveUp && noWamid),
  };
}
