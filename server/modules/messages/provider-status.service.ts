import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { MessageWorkflows } from '../../temporal/message-workflows.ts';
import type { ProviderStatus } from '../whatsapp/types.ts';
import { recordEvent } from './status-history.ts';
import { sqlStatusList, statusesMovedBy, type ReportedStatus } from './status-rules.ts';

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
  return `update message set ${sets.join(', ')}, updated_at = now() where id = ?`;
}
const APPLY_REPORT = {
  SENT: applyReportSql('SENT'),
  DELIVERED: applyReportSql('DELIVERED'),
  READ: applyReportSql('READ'),
  FAILED: applyReportSql('FAILED'),
};

/**
 * What the webhook does with Meta's statuses: record each once in the message's history, update its
 * status by precedence, and pass it to the message's workflow (which decides about refunds). A status
 * for an unknown wamid is logged and dropped — answering an error would make Meta resend it for days.
 */
export async function recordProviderStatuses(em: EntityManager, workflows: MessageWorkflows, statuses: ProviderStatus[], logger: Logger): Promise<void> {
  for (const status of statuses) {
    const [message] = await em.execute<{ id: string; workflow_id: string }[]>(
      'select id, workflow_id from message where provider_message_id = ?',
      [status.wamid],
    );
    if (!message) {
      logger.warn({ wamid: status.wamid, status: status.status }, 'status for an unknown WhatsApp message id: ignored');
      continue;
    }
    const when = status.timestamp;
    const reported = status.status.toUpperCase() as ReportedStatus;
    await em.transactional(async (tx) => {
      const fresh = await recordEvent(tx, message.id, reported, 'PROVIDER', {
        occurredAt: when,
        errorCode: status.errorCode,
        detail: status.errorTitle,
      });
      if (!fresh) return; // a duplicate delivery of a status already recorded
      const errorCode = reported === 'FAILED' ? [status.errorCode ?? null] : [];
      await tx.execute(APPLY_REPORT[reported], [when, ...errorCode, message.id], 'run');
    });
    // Always signal, duplicates too: if an earlier signal failed, Meta's resend is what delivers it.
    const signalled = await workflows.signalStatus(message.workflow_id, {
      status: status.status,
      timestamp: when.toISOString(),
      ...(status.errorCode !== undefined ? { errorCode: status.errorCode } : {}),
    });
    if (!signalled) {
      logger.info({ messageId: message.id, status: status.status }, 'status after the message workflow finished: recorded only');
    }
  }
}
