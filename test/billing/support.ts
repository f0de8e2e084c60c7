// What every billing story shares: the ledger verification run after each test, and a top-up.
import { expect } from 'vitest';
import { describeProblem, verifyLedger } from '../../server/modules/billing/ledger-verify.ts';
import { bearer, type Actor } from '../support/actors.ts';
import { rest, type Harness } from '../support/harness.ts';

/** Runs the ledger verification over every tenant in the database and expects no problem. */
export async function expectLedgerConsistent(herald: Harness): Promise<void> {
  const report = await verifyLedger((sql) => herald.orm.em.getConnection().execute(sql));
  expect(report.problems.map(describeProblem)).toEqual([]);
}

export function topUp(herald: Harness, operator: Actor, tenantId: string, amount: number | string, description = 'Top-up') {
  return rest(herald, 'POST', '/billing/add-credits', { tenantId, amount, description }, bearer(operator.token));
}
