import type { EntityManager } from '@mikro-orm/postgresql';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { providerStatusSignal } from '../../../workflows/shared.ts';
import type { ProviderStatus } from '../whatsapp/types.ts';
import { recordEvent } from './dispatch.service.ts';

/**
 * Status precedence: READ > DELIVERED > SENT, and FAILED only before delivery. `delivered` after `failed`
 * wins (Meta: several devices), so the status shows it even if the charge was already given back.
 */
const APPLY_STATUS = `
  update message set
    status = case
      when ?::text = 'read' and status in ('DISPATCHING', 'SENT', 'DELIVERED', 'FAILED') then 'READ'
      when ?::text = 'delivered' and status in ('DISPATCHING', 'SENT', 'FAILED') then 'DELIVERED'
      when ?::text = 'failed' and status in ('DISPATCHING', 'SENT') then 'FAILED'
      when ?::text = 'sent' and status = 'DISPATCHING' then 'SENT'
      else status end,
    failure_reason = case when ?::text = 'failed' and status in ('DISPATCHING', 'SENT') then 'DELIVERY_FAILED' else failure_reason end,
    provider_error_code = case when ?::text = 'failed' then coalesce(?::int, provider_error_code) else provider_error_code end,
    sent_at = case when ?::text = 'sent' then coalesce(sent_at, ?::timestamptz) else sent_at end,
    delivered_at = case when ?::text = 'delivered' then coalesce(delivered_at, ?::timestamptz) else delivered_at end,
    read_at = case when ?::text = 'read' then coalesce(read_at, ?::timestamptz) else read_at end,
    failed_at = case when ?::text = 'failed' then coalesce(failed_at, ?::timestamptz) else failed_at end,
    updated_at = now()
  where id = ?`;

/**
 * What the webhook does with Meta's statuses: record each once in the message's history, update its
 * status by precedence, and pass it to the message's workflow (which decides about refunds). A status
 * for an unknown wamid is logged and dropped — answering an error would make Meta resend it for days.
 */
export async function recordProviderStatuses(em: EntityManager, temporal: Client, statuses: ProviderStatus[], logger: Logger): Promise<void> {
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
    await em.transactional(async (tx) => {
      const fresh = await recordEvent(tx, message.id, status.status.toUpperCase(), 'PROVIDER', {
        occurredAt: when,
        errorCode: status.errorCode,
        detail: status.errorTitle,
      });
      if (!fresh) return; // a duplicate delivery of a status already recorded
      const s = status.status;
      await tx.execute(APPLY_STATUS, [s, s, s, s, s, s, status.errorCode ?? null, s, when, s, when, s, when, s, when, message.id], 'run');
    });
    // Always signal, duplicates too: if an earlier signal failed, Meta's resend is what delivers it.
    try {
      await temporal.workflow.getHandle(message.workflow_id).signal(providerStatusSignal, {
        status: status.status,
        timestamp: when.toISOString(),
        ...(status.errorCode !== undefined ? { errorCode: status.errorCode } : {}),
      });
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      logger.info({ messageId: message.id, status: status.status }, 'status after the message workflow finished: recorded only');
    }
  }
}
