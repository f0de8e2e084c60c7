import type { EntityManager } from '@mikro-orm/postgresql';
import { messageNotFound } from '../../shared/errors.ts';
import type { ChargeState } from './message.entity.ts';
import { recordEvent } from './status-history.ts';
import { FAILABLE_STATUSES, sqlStatusList, type MessageStatus } from './status-rules.ts';

// The message table's raw-SQL side (the locked, hot paths of dispatch, send and settlement): typed rows
// instead of hand-mapped records. The API's reads go through the Message entity.

/** A `message` row as PostgreSQL returns it (snake_case, bigint as string). */
export interface MessageRow {
  id: string;
  tenant_id: string;
  template_id: string;
  contact_id: string;
  parameters: Record<string, string>;
  status: MessageStatus;
  charge_state: ChargeState;
  cost: string | null;
  category: string | null;
  body_parameters: string[] | null;
  provider_message_id: string | null;
  failure_reason: string | null;
  provider_error_code: number | null;
  workflow_id: string;
  /** Meta's `pricing.billable` from its statuses (null: never said). */
  provider_billable: boolean | null;
  send_claimed_until: Date | null;
  send_attempts: number;
  /** Whether another attempt's send claim still runs, by the database's clock. */
  send_claim_live: boolean;
}

/**
 * Locks the message row for the rest of the transaction (NO KEY UPDATE, as its UPDATEs take: lockers queue
 * behind each other, while inserting the message's status events, whose foreign key takes KEY SHARE, does
 * not wait); a missing message is a 404.
 */
export async function lockMessage(tx: EntityManager, messageId: string): Promise<MessageRow> {
  const rows = await tx.execute<MessageRow[]>(
    'select *, coalesce(send_claimed_until > clock_timestamp(), false) as send_claim_live from message where id = ? for no key update',
    [messageId],
  );
  if (!rows[0]) throw messageNotFound(messageId);
  return rows[0];
}

/**
 * Fails a message whose failure still counts (never one already delivered or read) and records why.
 * True when its status became FAILED here.
 */
export async function failMessage(tx: EntityManager, messageId: string, reason: string, detail: string, errorCode?: number): Promise<boolean> {
  const failed = await tx.execute<{ id: string }[]>(
    `update message set status = 'FAILED', failure_reason = ?, failure_detail = ?, provider_error_code = ?,
       failed_at = coalesce(failed_at, now()), updated_at = now()
     where id = ? and status in (${sqlStatusList(FAILABLE_STATUSES)}) returning id`,
    [reason, detail.slice(0, 500), errorCode ?? null, messageId],
  );
  await recordEvent(tx, messageId, 'FAILED', 'WORKFLOW', { errorCode, detail: `${reason}: ${detail}`.slice(0, 500) });
  return failed.length > 0;
}

/** Milliseconds until another attempt's send claim expires (0 when none is held). */
export async function claimRemainingMs(em: EntityManager, messageId: string): Promise<number> {
  const [row] = await em.execute<{ ms: number }[]>(
    'select greatest(0, ceil(extract(epoch from send_claimed_until - clock_timestamp()) * 1000))::int as ms from message where id = ?',
    [messageId],
  );
  return Number(row?.ms ?? 0);
}
