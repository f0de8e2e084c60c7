import { router } from '../../trpc/init.ts';
import { addCreditsProcedure, balanceProcedure, ledgerProcedure } from './billing.procedures.ts';
import { pricesProcedure } from './prices.procedure.ts';

export const billingRouter = router({ addCredits: addCreditsProcedure, balance: balanceProcedure, ledger: ledgerProcedure, prices: pricesProcedure });
