import { z } from 'zod';
import { text } from '../../shared/storable.ts';
import { authedProcedure } from '../../trpc/init.ts';
import { creditsOutput, formatCredits, positiveAmountInput } from '../../shared/money.ts';
import { page, pageInput } from '../../shared/schemas.ts';
import { balanceOutput, ledgerEntryOutput, tenantIdInput, toLedgerEntryOutput } from './billing.schema.ts';
import { addCredits, getBalance, listLedger, resolveTenantScope } from './billing.service.ts';

const EXAMPLE_TENANT = '0b6f1c52-3f0e-4f7a-9a57-2c1d6a8e4b10';

export const addCreditsProcedure = authedProcedure
  .meta({
    roles: ['SUPER_ADMIN'],
    openapi: {
      method: 'POST',
      path: '/billing/add-credits',
      tags: ['billing'],
      summary: "Top up a tenant's credit balance",
      description:
        'Appends a CREDIT/TOPUP ledger entry and returns it with `balance`, the balance right after it. ' +
        'With an `idempotencyKey` (unique per tenant), repeating the same request returns the same entry and the same ' +
        'balance (200) without crediting again; the same key with a different body is a 409. 404 for an unknown tenant.',
      protect: true,
    },
    errorStatuses: [404, 409],
  })
  .input(
    z.strictObject({
      tenantId: tenantIdInput.meta({ example: EXAMPLE_TENANT }),
      amount: positiveAmountInput,
      description: text().trim().min(1).max(500).meta({ example: 'Initial top-up' }),
      idempotencyKey: text()
        .trim()
        .min(1)
        .max(255)
        .optional()
        .meta({ example: 'topup-acme-2026-11-27' }),
    }),
  )
  .output(
    z.object({
      tenantId: z.uuid(),
      balance: creditsOutput.meta({ description: "The tenant's balance right after this entry (on a replay, as it was then)" }),
      entry: ledgerEntryOutput,
    }),
  )
  .mutation(async ({ ctx, input }) => {
    const posted = await addCredits(ctx.em, { ...input, createdBy: ctx.principal.userId });
    return { tenantId: input.tenantId, balance: formatCredits(posted.balance), entry: toLedgerEntryOutput(posted.entry) };
  });

export const balanceProcedure = authedProcedure
  .meta({
    roles: ['SUPER_ADMIN', 'ADMIN', 'SUB_ADMIN'],
    openapi: {
      method: 'GET',
      path: '/billing/balance',
      tags: ['billing'],
      summary: 'Read a credit balance',
      description: "Tenant users read their own tenant's balance; SUPER_ADMIN must pass `tenantId`.",
      protect: true,
    },
    errorStatuses: [404],
  })
  .input(
    z.strictObject({
      tenantId: tenantIdInput.meta({ description: 'Required for SUPER_ADMIN', example: EXAMPLE_TENANT }).optional(),
    }),
  )
  .output(balanceOutput)
  .query(async ({ ctx, input }) => {
    const tenantId = resolveTenantScope(ctx.principal.tenantId, input.tenantId);
    return { tenantId, balance: formatCredits(await getBalance(ctx.em, tenantId)) };
  });

export const ledgerProcedure = authedProcedure
  .meta({
    roles: ['SUPER_ADMIN', 'ADMIN'],
    openapi: {
      method: 'GET',
      path: '/billing/ledger',
      tags: ['billing'],
      summary: "List a tenant's ledger entries",
      description:
        "ADMIN reads their own tenant's ledger; SUPER_ADMIN must pass `tenantId`. Newest first; pass `nextCursor` back as `cursor` for the next page.",
      protect: true,
    },
    errorStatuses: [404],
  })
  .input(
    z.strictObject({
      tenantId: tenantIdInput.meta({ description: 'Required for SUPER_ADMIN', example: EXAMPLE_TENANT }).optional(),
      ...pageInput,
    }),
  )
  .output(page(ledgerEntryOutput))
  .query(async ({ ctx, input }) => {
    const tenantId = resolveTenantScope(ctx.principal.tenantId, input.tenantId);
    const result = await listLedger(ctx.em, tenantId, input);
    return { items: result.items.map(toLedgerEntryOutput), nextCursor: result.nextCursor };
  });
