import type { EntityManager } from '@mikro-orm/postgresql';
import { recordEvent } from './status-history.ts';
import { sqlStatusList, statusesMovedBy, type ReportedStatus } from './status-rules.ts';

// Applying one of Meta's statuses to a stored message: the one path shared by the webhook (a matched
// wamid) and by the drain of statuses that arrived before their wamid was stored.

/** A verified provider status, upper-cased as the history stores it. */
export interface StatusReport {
  status: ReportedStatus;
  occurredAt: Date;
  errorCode: number | undefined;
  detail: string | undefined;
  /** When Herald received it, if earlier than now (a status kept until its wamid was stored). */
  receivedAt?: Date | undefined;
}

const TIME_COLUMN = { SENT: 'sent_at', DELIVERED: 'delivered_at', READ: 'read_at', FAILED: 'failed_at' } as const;

/**
 * The UPDATE that applies a report: the status moves exactly as `statusAfterReport` says (the moves are
 * generated from the rules), the first time of each report is kept, and a failure that counts notes why.
 */
function applyReportSql(reported: ReportedStatus): string {
  const moved = `status in (${sqlStatusList(statusesMovedBy(reported))})`;
  const time = TIME_COLUMN[reported];
  const sets = [`status = case when ${moved} then '${reported}' else status end`, `${time} = coalesce(${time}, ?::timestamptz)`];
  if (reported === 'FAILED') {
    sets.push(`failure_reason = case when ${moved} then 'DELIVERY_FAILED' else failure_reason end`);
    sets.push('provider_error_code = coalesce(?::int, provider_error_code)');
  }
  // The row is locked first (as the UPDATE itself would: no key update, so status-event inserts are not
  // blocked) so the status it had before can be returned beside the new one.
  return `with previous as (select status as previous_status from message where id = ? for no key update)
    update message set ${sets.join(', ')}, updated_at = now() from previous where message.id = ?
    returning previous.previous_status, message.status`;
}
const APPLY_REPORT = {
  SENT: applyReportSql('SENT'),
  DELIVERED: applyReportSql('DELIVERED'),
  READ: applyReportSql('READ'),
  FAILED: applyReportSql('FAILED'),
};

/** `duplicate`: recorded before, nothing changed; `unchanged`: recorded now, the status stayed; `moved`: the status changed. */
export type ReportOutcome = 'duplicate' | 'unchanged' | 'moved';

/** Records the report once in the message's history and updates its status by the rules, inside the caller's transaction. */
export async function applyStatusReport(tx: EntityManager, messageId: string, report: StatusReport): Promise<ReportOutcome> {
  const fresh = await recordEvent(tx, messageId, report.status, 'PROVIDER', {
    occurredAt: report.occurredAt,
    errorCode: report.errorCode,
    detail: report.detail,
    recordedAt: report.receivedAt,
  });
  if (!fresh) return 'duplicate';
  const errorCode = report.status === 'FAILED' ? [report.errorCode ?? null] : [];
  const [row] = await tx.execute<{ previous_status: string; status: string }[]>(APPLY_REPORT[report.status], [
    messageId,
    report.occurredAt,
    ...errorCode,
    messageId,
  ]);
  return row && row.previous_status !== row.status ? 'moved' : 'unchanged';
}
