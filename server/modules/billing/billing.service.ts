import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../shared/errors.ts';
import { units, type Units } from '../../shared/money.ts';
import { LEDGER_COLUMNS, toLedgerRecord, type LedgerRecord } from './ledger-row.ts';
import { postEntry, type PostedEntry } from './ledger.service.ts';

type Rows = Record<string, unknown>[];

const tenantNotFound = () => new AppError('NOT_FOUND', 'Tenant not found', { reason: 'TENANT_NOT_FOUND' });

/**
 * Whose billing a caller may see: a tenant user always their own tenant (naming another is a 404, never
 * a leak), the platform operator (no tenant) whichever tenant they name — and they must name one.
 */
export function resolveTenantScope(callerTenantId: string | undefined, requestedTenantId: string | undefined): string {
  if (callerTenantId) {
    if (requestedTenantId !== undefined && requestedTenantId !== callerTenantId) throw tenantNotFound();
    return callerTenantId;
  }
  if (!requestedTenantId) {
    throw new AppError('BAD_REQUEST', 'tenantId is required for the platform operator', { reason: 'TENANT_ID_REQUIRED' });
  }
  return requestedTenantId;
}

export interface TopUp {
  tenantId: string;
  amount: Units;
  description: string;
  createdBy: string;
  idempotencyKey?: string | undefined;
}

/** What makes two top-ups the same request: tenant, exact amount and description (not who sent it). */
const topUpHash = (input: TopUp) =>
  createHash('sha256').update(JSON.stringify([input.tenantId, input.amount.toString(), input.description])).digest('hex');

/**
 * A platform operator's top-up: one CREDIT/TOPUP entry, attributed to the operator. With an idempotency
 * key, a retry of the same request returns the entry posted first instead of crediting again.
 */
export function addCredits(em: EntityManager, input: TopUp): Promise<PostedEntry> {
  return postEntry(em, {
    tenantId: input.tenantId,
    type: 'CREDIT',
    reason: 'TOPUP',
    amount: input.amount,
    description: input.description,
    createdBy: input.createdBy,
    idempotency: input.idempotencyKey === undefined ? undefined : { key: input.idempotencyKey, requestHash: topUpHash(input) },
  });
}

export async function getBalance(em: EntityManager, tenantId: string): Promise<Units> {
  const rows = await em.execute<Rows>('select balance::text as balance from tenant where id = ?', [tenantId]);
  if (!rows[0]) throw tenantNotFound();
  return units(String(rows[0].balance));
}

/** The ledger's keyset cursor is its `seq`, opaque to callers. */
const encodeSeqCursor = (seq: bigint) => Buffer.from(`seq:${seq}`).toString('base64url');

function decodeSeqCursor(cursor: string): bigint {
  const match = /^seq:(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new AppError('BAD_REQUEST', 'Invalid cursor', { reason: 'INVALID_CURSOR' });
  return BigInt(match[1]!);
}

/** A tenant's ledger, newest first (highest `seq` first). */
export async function listLedger(
  em: EntityManager,
  tenantId: string,
  options: { limit: number; cursor?: string | undefined },
): Promise<{ items: LedgerRecord[]; nextCursor: string | null }> {
  const before = options.cursor ? decodeSeqCursor(options.cursor) : undefined;
  await getBalance(em, tenantId); // 404 for an unknown tenant, rather than an empty ledger
  const rows = await em.execute<Rows>(
    `select ${LEDGER_COLUMNS} from ledger_entry
     where tenant_id = ? ${before === undefined ? '' : 'and seq < ?'}
     order by ledger_entry.seq desc limit ?`, // the table's bigint, not the text alias in the select list
    before === undefined ? [tenantId, options.limit + 1] : [tenantId, before, options.limit + 1],
  );
  const items = rows.slice(0, options.limit).map(toLedgerRecord);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > options.limit && last ? encodeSeqCursor(last.seq) : null };
}
