import { z } from 'zod';
import { creditsOutput, formatCredits } from '../../shared/money.ts';
import { isoTimestamp } from '../../shared/schemas.ts';
import { LEDGER_REASONS, LEDGER_TYPES } from './ledger-entry.entity.ts';
import type { LedgerRecord } from './ledger-row.ts';

/** A ledger entry as the API shows it. */
export const ledgerEntryOutput = z
  .object({
    id: z.uuid(),
    type: z.enum(LEDGER_TYPES),
    reason: z.enum(LEDGER_REASONS),
    amount: creditsOutput,
    balanceAfter: creditsOutput,
    messageId: z.uuid().nullable(),
    description: z.string().nullable(),
    createdAt: isoTimestamp,
  })
  .meta({ id: 'LedgerEntry' });

export const toLedgerEntryOutput = (entry: LedgerRecord): z.infer<typeof ledgerEntryOutput> => ({
  id: entry.id,
  type: entry.type,
  reason: entry.reason,
  amount: formatCredits(entry.amount),
  balanceAfter: formatCredits(entry.balanceAfter),
  messageId: entry.messageId,
  description: entry.description,
  createdAt: entry.createdAt.toISOString(),
});

export const balanceOutput = z
  .object({ tenantId: z.uuid(), balance: creditsOutput })
  .meta({ id: 'Balance' });

export const tenantIdInput = z.uuid('must be a tenant id (UUID)');
