import { units, type Units } from '../../shared/money.ts';
import type { LEDGER_REASONS, LEDGER_TYPES } from './ledger-entry.entity.ts';

export type LedgerType = (typeof LEDGER_TYPES)[number];
export type LedgerReason = (typeof LEDGER_REASONS)[number];

/** One ledger row as billing's raw SQL reads it back: money as Units, never a float. */
export interface LedgerRecord {
  id: string;
  seq: bigint;
  tenantId: string;
  type: LedgerType;
  reason: LedgerReason;
  amount: Units;
  balanceAfter: Units;
  messageId: string | null;
  refundOf: string | null;
  description: string | null;
  createdBy: string | null;
  createdAt: Date;
}

/**
 * The select list every ledger read and `insert … returning` shares. Raw SQL gets timestamptz back as
 * PostgreSQL text (MikroORM's type parsers), so the timestamp is formatted as ISO 8601 UTC here.
 */
export const LEDGER_COLUMNS = `id, seq::text as seq, tenant_id, type, reason, amount::text as amount,
  balance_after::text as balance_after, message_id, refund_of, description, created_by,
  to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as created_at`;

export function toLedgerRecord(row: Record<string, unknown>): LedgerRecord {
  const text = (value: unknown) => (value === null || value === undefined ? null : String(value));
  return {
    id: String(row.id),
    seq: BigInt(String(row.seq)),
    tenantId: String(row.tenant_id),
    type: row.type as LedgerType,
    reason: row.reason as LedgerReason,
    amount: units(String(row.amount)),
    balanceAfter: units(String(row.balance_after)),
    messageId: text(row.message_id),
    refundOf: text(row.refund_of),
    description: text(row.description),
    createdBy: text(row.created_by),
    createdAt: new Date(String(row.created_at)),
  };
}
