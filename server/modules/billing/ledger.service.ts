import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../shared/errors.ts';
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

/** PostgreSQL's bigint ceiling: a balance beyond it cannot be stored. */
const MAX_BALANCE_UNITS = 9_223_372_036_854_775_807n;

type Rows = Record<string, unknown>[];

/**
 * The one way money moves: locks the tenant row (alone — no joins, so the row lock is valid), computes the
 * new balance, updates it and appends the ledger entry with that `balance_after`, all in one transaction.
 * The lock is FOR NO KEY UPDATE: it serialises postings but, unlike FOR UPDATE, not the FOR KEY SHARE
 * locks that inserts of the tenant's contacts, templates and messages take for their foreign keys.
 * Inside a caller's transaction (the dispatch debit) it runs as a savepoint of it, so the lock is held
 * until the caller commits, and a refused entry leaves the caller's transaction usable.
 *
 * Throws NOT_FOUND (TENANT_NOT_FOUND), UNPROCESSABLE_CONTENT (INSUFFICIENT_FUNDS, BALANCE_LIMIT) and
 * CONFLICT (ALREADY_POSTED: this message's debit or refund, or this debit's refund, already exists).
 * Nothing is written when it throws.
 */
export async function postEntry(em: EntityManager, input: NewLedgerEntry): Promise<PostedEntry> {
  if (input.amount <= 0n) throw new AppError('BAD_REQUEST', 'A ledger amount must be positive', { reason: 'INVALID_AMOUNT' });
  try {
    return await em.transactional(async (tx) => {
      const locked = await tx.execute<Rows>('select balance::text as balance from tenant where id = ? for no key update', [input.tenantId]);
      if (!locked[0]) throw new AppError('NOT_FOUND', 'Tenant not found', { reason: 'TENANT_NOT_FOUND' });
      const before = units(String(locked[0].balance));
      // Under the lock, so a racing identical request finds the first one's committed entry.
      if (input.idempotency) {
        const earlier = await findByIdempotencyKey(tx, input.tenantId, input.idempotency.key);
        if (earlier) return replayOf(earlier, input.idempotency.requestHash);
      }
      // A repeated debit is reported as such even when the balance it already spent no longer covers it.
      if (input.reason !== 'TOPUP') await refuseRepeat(tx, input);
      const after = units(input.type === 'CREDIT' ? before + input.amount : before - input.amount);
      if (after < 0n) {
        throw new AppError(
          'UNPROCESSABLE_CONTENT',
          `Insufficient funds: the balance is ${formatCredits(before)}, ${formatCredits(input.amount)} is needed`,
          { reason: 'INSUFFICIENT_FUNDS' },
        );
      }
      if (after > MAX_BALANCE_UNITS) {
        throw new AppError('UNPROCESSABLE_CONTENT', 'The balance would exceed what Herald can hold', { reason: 'BALANCE_LIMIT' });
      }
      await tx.execute('update tenant set balance = ? where id = ?', [after, input.tenantId], 'run');
      const inserted = await tx.execute<Rows>(
        `insert into ledger_entry (id, tenant_id, type, reason, amount, balance_after, message_id, refund_of, description, created_by,
           idempotency_key, request_hash)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning ${LEDGER_COLUMNS}`,
        [
          randomUUID(),
          input.tenantId,
          input.type,
          input.reason,
          input.amount,
          after,
          input.messageId ?? null,
          input.refundOf ?? null,
          input.description ?? null,
          input.createdBy ?? null,
          input.idempotency?.key ?? null,
          input.idempotency?.requestHash ?? null,
        ],
      );
      return { entry: toLedgerRecord(inserted[0]!), balance: after, replayed: false };
    });
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException && input.idempotency) {
      // The unique key backs the locked check up: the entry that won is this request's answer.
      const earlier = await findByIdempotencyKey(em.fork(), input.tenantId, input.idempotency.key);
      if (earlier) return replayOf(earlier, input.idempotency.requestHash);
    }
    // The partial unique indexes back the check up, e.g. for one message id posted under two tenants' locks.
    if (error instanceof UniqueConstraintViolationException) throw alreadyPosted(error);
    throw error;
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

/** Under the tenant lock, a message's debit or refund (or a debit's refund) that exists already is refused. */
async function refuseRepeat(tx: EntityManager, input: NewLedgerEntry): Promise<void> {
  const found = await tx.execute<Rows>('select id from ledger_entry where (reason = ? and message_id = ?) or refund_of = ? limit 1', [
    input.reason,
    input.messageId ?? null,
    input.refundOf ?? null,
  ]);
  if (found[0]) throw alreadyPosted();
}

/** The MESSAGE debit or REFUND credit already posted for a message, if any: how a retried activity finds its work done. */
export async function findMessageEntry(
  em: EntityManager,
  messageId: string,
  reason: 'MESSAGE' | 'REFUND',
): Promise<LedgerRecord | undefined> {
  const rows = await em.execute<Rows>(`select ${LEDGER_COLUMNS} from ledger_entry where message_id = ? and reason = ?`, [messageId, reason]);
  return rows[0] ? toLedgerRecord(rows[0]) : undefined;
}
