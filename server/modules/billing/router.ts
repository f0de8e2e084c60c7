import { router } from '../../trpc/init.ts';
import { addCreditsProcedure, balanceProcedure, ledgerProcedure } from './billing.procedures.ts';

export const billingRouter = router({ addCredits: addCreditsProcedure, balance: balanceProcedure, ledger: ledgerProcedure });
