import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../../db/tenant-scope.ts';

export const LEDGER_TYPES = ['CREDIT', 'DEBIT'] as const;
export const LEDGER_REASONS = ['TOPUP', 'MESSAGE', 'REFUND'] as const;

/**
 * One movement of a tenant's credit, append-only (the database refuses UPDATE and DELETE). Amounts are
 * positive integers of 1/10,000 credit; `seq` orders a tenant's entries so each `balanceAfter` chains.
 */
export const LedgerEntry = defineEntity({
  name: 'LedgerEntry',
  tableName: 'ledger_entry',
  filters: tenantFilter,
  properties: {
    id: p.uuid().primary(),
    seq: p.bigint('bigint').persist(false),
    tenantId: p.uuid(),
    type: p.enum(LEDGER_TYPES),
    reason: p.enum(LEDGER_REASONS),
    amount: p.bigint('bigint'),
    balanceAfter: p.bigint('bigint'),
    messageId: p.uuid().nullable(),
    refundOf: p.uuid().nullable(),
    description: p.string().length(500).nullable(),
    createdBy: p.uuid().nullable(),
    /** A top-up's idempotency key and the hash of its request, unique per tenant. */
    idempotencyKey: p.string().length(255).nullable(),
    requestHash: p.string().length(64).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type LedgerEntry = InferEntity<typeof LedgerEntry>;
