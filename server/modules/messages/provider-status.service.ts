import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { MessageWorkflows } from './ports.ts';
import type { ProviderStatus } from '../whatsapp/types.ts';
import { storePricing } from './pricing-evidence.ts';
import { settleDelivery } from './settlement.service.ts';
import { drainOrphans, keepOrphan } from './status-orphans.ts';
import type { ReportedStatus } from './status-rules.ts';
import { applyStatusReport, type StatusReport } from './status-report.ts';

interface MatchedMessage {
  id: string;
  workflow_id: string;
  /** The number it left from (null: sent before numbers were recorded, any number matches). */
  from_phone_number_id: string | null;
  escalation_state: string | null;
}

const findMessage = async (em: EntityManager, wamid: string) =>
  (await em.execute<MatchedMessage[]>('select id, workflow_id, from_phone_number_id, escalation_state from message where provider_message_id = ?', [wamid]))[0];

/** A status touches only a message sent from the number it names (webhooks of every channel share one URL). */
const fromThatNumber = (message: MatchedMessage, status: ProviderStatus) =>
  message.from_phone_number_id === null || message.from_phone_number_id === status.phoneNumberId;

/**
 * Stores the status's pricing, if it carries any, as the evidence a refund is decided on (committed first). When
 * Meta does not bill a message that is still charged, settles it at once through the refund path (at most one
 * refund, under the message's lock), since its workflow may have finished; a redelivered webhook after a crash
 * in between finds it still charged and settles it then.
 */
async function recordPricing(em: EntityManager, messageId: string, status: ProviderStatus, logger: Logger): Promise<void> {
  const pricing = status.pricing;
  if (!pricing) return;
  await storePricing(em, messageId, pricing);
  if (pricing.billable) return;
  const [owed] = await em.execute<{ id: string }[]>(
    `select id from message where id = ? and provider_billable = false and charge_state = 'CHARGED'`,
    [messageId],
  );
  if (!owed) return;
  const settled = await settleDelivery(em, messageId, false);
  logger.info({ messageId, refunded: settled.refunded }, 'Meta reports the message as not billable');
}

/**
 * What the webhook does with Meta's statuses: record each once in the message's history, update its
 * status by precedence, and pass it to the message's workflow (which decides about refunds). A status
 * whose wamid is not stored yet is kept (status-orphans.ts) and applied once the send stores the wamid;
 * answering an error instead would make Meta resend it for days.
 */
export async function recordProviderStatuses(em: EntityManager, workflows: MessageWorkflows, statuses: ProviderStatus[], logger: Logger): Promise<void> {
  for (const status of statuses) {
    if (status.phoneNumberId === undefined) {
      logger.warn({ wamid: status.wamid, status: status.status }, 'status without metadata.phone_number_id: ignored');
      continue;
    }
    const report: StatusReport = {
      status: status.status.toUpperCase() as ReportedStatus,
      occurredAt: status.timestamp,
      errorCode: status.errorCode,
      detail: status.errorTitle,
    };
    let message = await findMessage(em, status.wamid);
    if (message && !fromThatNumber(message, status)) {
      logger.warn({ wamid: status.wamid, phoneNumberId: status.phoneNumberId }, 'status names another number than its message left from: ignored');
      continue;
    }
    if (message) {
      const outcome = await em.transactional((tx) => applyStatusReport(tx, message!.id, report));
      await recordPricing(em, message.id, status, logger);
      // A root with a pending escalation decides again: its due times start at the sending, delivered or read
      // may resolve it, a failure fires the next level.
      if (message.escalation_state === 'PENDING') await workflows.wakeEscalation(message.id);
      // A fresh status that moved nothing (Meta's `sent` after the send stored SENT) changes no decision of
      // the workflow, so it is not woken for it. A duplicate is signalled again: the earlier signal may have failed.
      if (outcome === 'unchanged') continue;
    } else {
      await keepOrphan(em, status.wamid, status.phoneNumberId, report, { callbackData: status.callbackData, pricing: status.pricing });
      // Looked up again only after the orphan has committed: if the send stored the wamid meanwhile, its
      // drain may have run before our insert, so this side drains.
      message = await findMessage(em, status.wamid);
      if (message && !fromThatNumber(message, status)) continue;
      if (!message) {
        logger.info({ wamid: status.wamid, status: status.status }, 'status for a WhatsApp message id not stored yet: kept until it is');
        continue;
      }
      await drainOrphans(em, status.wamid, message.id);
      await recordPricing(em, message.id, status, logger);
      if (message.escalation_state === 'PENDING') await workflows.wakeEscalation(message.id);
    }
    const signalled = await workflows.signalStatus(message.workflow_id, {
      status: status.status,
      timestamp: status.timestamp.toISOString(),
      ...(status.errorCode !== undefined ? { errorCode: status.errorCode } : {}),
    });
    if (!signalled && status.status === 'failed') {
      // The workflow stopped waiting (MESSAGE_STATUS_WAIT ran out) but Meta's word still counts: the same
      // settlement judges the stored statuses under the row lock and refunds at most once.
      const settled = await settleDelivery(em, message.id, false);
      logger.info({ messageId: message.id, refunded: settled.refunded }, 'failed status after the message workflow finished: settled here');
    } else if (!signalled) {
      logger.info({ messageId: message.id, status: status.status }, 'status after the message workflow finished: recorded only');
    }
  }
}
