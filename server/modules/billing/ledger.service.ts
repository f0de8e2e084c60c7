import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import { AppError, type AppErrorCode } from '../../shared/errors.ts';
import { formatCredits, units, type Units } from '../../shared/money.ts';
import { LEDGER_COLUMNS, toLedgerRecord, type LedgerReason, type LedgerRecord, type LedgerType } from './ledger-row.ts';

/** What a caller asks to post. CREDIT goes with TOPUP or REFUND, DEBIT with MESSAGE (the database checks). */
export interface NewLedgerEntry {
  tenantId: string;
  type: LedgerType;
  reason: LedgerReason;
  amount: Units;
  /** Required for MESSAGE and REFUND, absent for TOPUP. */
  messageId?: string | null;
  /** The DEBIT a REFUND gives back. */
  refundOf?: string | null;
  description?: string | null;
  /** The user who caused it (a top-up's operator); null for the system. */
  createdBy?: string | null;
  /** The caller's key for this request and the hash of its body: the same key and hash post once. */
  idempotency?: { key: string; requestHash: string } | undefined;
}

export interface PostedEntry {
  entry: LedgerRecord;
  /** The tenant's balance right after this entry (equals `entry.balanceAfter`). */
  balance: Units;
  /** True when the idempotency key named an entry posted earlier, which is returned instead. */
  replayed: boolean;
}

type Rows = Record<string, unknown>[];

/** What the ledger function's refusals (SQLSTATE class HL, reason as HINT) mean to Herald's callers. */
const REFUSALS: Record<string, [AppErrorCode, string]> = {
  INVALID_AMOUNT: ['BAD_REQUEST', 'A ledger amount must be positive'],
  TENANT_NOT_FOUND: ['NOT_FOUND', 'Tenant not found'],
  INSUFFICIENT_FUNDS: ['UNPROCESSABLE_CONTENT', 'Insufficient funds'],
  BALANCE_LIMIT: ['UNPROCESSABLE_CONTENT', 'The balance would exceed what Herald can hold'],
  ALREADY_POSTED: ['CONFLICT', 'This ledger entry was already posted'],
};

/** What an INSUFFICIENT_FUNDS refusal says: the balance and the amount needed. */
export const insufficientFundsMessage = (balance: Units, amount: Units): string =>
  `Insufficient funds: the balance is ${formatCredits(balance)}, ${formatCredits(amount)} is needed`;

/**
 * A PostgreSQL error as the ledger's AppError: a refusal of `post_ledger_entry` (the INSUFFICIENT_FUNDS
 * message names the balance, sent as DETAIL, and the amount needed), or a unique index that backed its
 * checks up (one message id posted under two tenants' locks). Anything else is returned as it is.
 */
export function ledgerError(error: unknown, amount: Units): unknown {
  if (error instanceof UniqueConstraintViolationException) return alreadyPosted(error);
  const fault = error as { code?: unknown; hint?: unknown; detail?: unknown };
  if (typeof fault?.code !== 'string' || !fault.code.startsWith('HL') || typeof fault.hint !== 'string') return error;
  const refusal = REFUSALS[fault.hint];
  if (!refusal) return error;
  const [code, plain] = refusal;
  const message =
    fault.hint === 'INSUFFICIENT_FUNDS' && typeof fault.detail === 'string' ? insufficientFundsMessage(units(fault.detail), amount) : plain;
  return new AppError(code, message, { reason: fault.hint, cause: error });
}

/**
 * The one way money moves: one call of the database function `post_ledger_entry`, which locks the tenant
 * row (alone, FOR NO KEY UPDATE: it serialises postings but not the inserts of the tenant's contacts,
 * templates and messages), checks the entry (positive, no repeat, balance never negative nor beyond
 * bigint), updates the balance and appends the entry with that `balance_after`. Outside a transaction it
 * is one autocommitted statement, so the lock is held for that statement only. Inside a caller's
 * transaction it runs as a savepoint of it: the lock is held until the caller commits, and a refused
 * entry leaves the caller's transaction usable.
 *
 * Throws NOT_FOUND (TENANT_NOT_FOUND), UNPROCESSABLE_CONTENT (INSUFFICIENT_FUNDS, BALANCE_LIMIT) and
 * CONFLICT (ALREADY_POSTED: this message's debit or refund, or this debit's refund, already exists).
 * Nothing is written when it throws.
 */
export async function postEntry(em: EntityManager, input: NewLedgerEntry): Promise<PostedEntry> {
  const post = (runner: EntityManager) =>
    runner.execute<Rows>(
      `select ${LEDGER_COLUMNS}, request_hash, replayed
       from (select (p.entry).*, p.replayed from post_ledger_entry(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) p) posted`,
      [
        randomUUID(),
        input.tenantId,
        input.type,
        input.reason,
        input.amount,
        input.messageId ?? null,
        input.refundOf ?? null,
        input.description ?? null,
        input.createdBy ?? null,
        input.idempotency?.key ?? null,
        input.idempotency?.requestHash ?? null,
      ],
    );
  try {
    const [row] = em.isInTransaction() ? await em.transactional(post) : await post(em);
    if (row!.replayed) return replayOf(row!, input.idempotency!.requestHash);
    const entry = toLedgerRecord(row!);
    return { entry, balance: entry.balanceAfter, replayed: false };
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException && input.idempotency) {
      // The unique key backs the locked check up: the entry that won is this request's answer.
      const earlier = await findByIdempotencyKey(em.fork(), input.tenantId, input.idempotency.key);
      if (earlier) return replayOf(earlier, input.idempotency.requestHash);
    }
    throw ledgerError(error, input.amount);
  }
}

async function findByIdempotencyKey(em: EntityManager, tenantId: string, key: string) {
  const rows = await em.execute<Rows>(
    `select ${LEDGER_COLUMNS}, request_hash from ledger_entry where tenant_id = ? and idempotency_key = ?`,
    [tenantId, key],
  );
  return rows[0];
}

/** The same key with the same body is the same request; with another body it is a mistake worth a 409. */
function replayOf(row: Record<string, unknown>, requestHash: string): PostedEntry {
  if (row.request_hash !== requestHash) {
    throw new AppError('CONFLICT', 'This idempotencyKey was already used with a different request', { reason: 'IDEMPOTENCY_KEY_REUSED' });
  }
  const entry = toLedgerRecord(row);
  return { entry, balance: entry.balanceAfter, replayed: true };
}

const alreadyPosted = (cause?: unknown) =>
  new AppError('CONFLICT', 'This ledger entry was already posted', { reason: 'ALREADY_POSTED', cause });

/** The MESSAGE debit or REFUND credit already posted for a message, if any: how a retried activity finds its work done. */
export async function findMessageEntry(
  em: EntityManager,
  messageId: string,
  reason: 'MESSAGE' | 'REFUND',
): Promise<LedgerRecord | undefined> {
  const rows = await em.execute<Rows>(`select ${LEDGER_COLUMNS} from ledger_entry where message_id = ? and reason = ?`, [messageId, reason]);
  return rows[0] ? toLedgerRecord(rows[0]) : undefined;
}
