// A message's status rules, in one place: what may follow what, and when a failure still counts.
// Pure and import-free, because the workflow imports it too and workflow code must stay deterministic.

export const MESSAGE_STATUSES = ['SCHEDULED', 'CANCELLED', 'DISPATCHING', 'SENT', 'DELIVERED', 'READ', 'FAILED'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** A delivery status Meta's webhook reports, upper-cased as the status history stores it. */
export type ReportedStatus = 'SENT' | 'DELIVERED' | 'READ' | 'FAILED';

/** Delivery progress: READ > DELIVERED > SENT > DISPATCHING, and a later report never moves a message back. */
const PROGRESS: Partial<Record<MessageStatus, number>> = { DISPATCHING: 0, SENT: 1, DELIVERED: 2, READ: 3 };

/** Only a message still waiting for its time may be cancelled, rescheduled or debited. */
export const isWaiting = (status: MessageStatus): boolean => status === 'SCHEDULED';

/** Only a debited message that WhatsApp has not accepted yet may be sent. */
export const isDispatchable = (status: MessageStatus): boolean => status === 'DISPATCHING';

/** A failure counts only before the message was delivered or read: after that its charge stands. */
export const failureCounts = (status: MessageStatus): boolean => status !== 'DELIVERED' && status !== 'READ';

/** READ is the last report Meta sends: nothing is left to wait for. */
export const isRead = (status: MessageStatus): boolean => status === 'READ';

/**
 * The status after Meta reports `reported` for a message in `current`. A report about a message not yet
 * dispatched (or cancelled) changes nothing; `delivered`/`read` after `failed` wins (Meta: several devices),
 * so the status shows it even when the charge was already given back.
 */
export function statusAfterReport(current: MessageStatus, reported: ReportedStatus): MessageStatus {
  if (current === 'FAILED') return reported === 'DELIVERED' || reported === 'READ' ? reported : current;
  const at = PROGRESS[current];
  if (at === undefined) return current;
  if (reported === 'FAILED') return failureCounts(current) ? 'FAILED' : current;
  return PROGRESS[reported]! > at ? reported : current;
}

/** The statuses a report moves a message out of: lets one SQL UPDATE apply `statusAfterReport` in place. */
export const statusesMovedBy = (reported: ReportedStatus): MessageStatus[] =>
  MESSAGE_STATUSES.filter((status) => statusAfterReport(status, reported) !== status);

/** The statuses from which a message may still be failed (`failureCounts`), for SQL guards. */
export const FAILABLE_STATUSES: readonly MessageStatus[] = MESSAGE_STATUSES.filter(failureCounts);

/** Quotes statuses for an SQL `in (…)` list; safe because they can only be the constants above. */
export const sqlStatusList = (statuses: readonly MessageStatus[]): string => statuses.map((status) => `'${status}'`).join(', ');
