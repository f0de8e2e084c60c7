/**
 * Checks the ledger invariants for every tenant, in plain SQL so the tests and `npm run ledger:verify`
 * share it. Each check is one statement, so it reads one consistent snapshot even while money moves.
 */
export type RunSql = (sql: string) => Promise<Record<string, unknown>[]>;

export type LedgerProblemKind = 'BALANCE_MISMATCH' | 'BROKEN_CHAIN' | 'NEGATIVE_BALANCE' | 'BAD_REFUND';

export interface LedgerProblem {
  kind: LedgerProblemKind;
  tenantId: string;
  entryId: string | null;
  detail: string;
}

export interface LedgerReport {
  tenants: number;
  entries: number;
  problems: LedgerProblem[];
}

const signed = `case when type = 'CREDIT' then amount else -amount end`;
/** Units shown as credits with four decimals, as the API shows money. */
const credits = (expr: string) => `((${expr})::numeric / 10000)::numeric(30, 4)`;

const CHECKS: { kind: LedgerProblemKind; sql: string }[] = [
  {
    // A tenant's balance equals the sum of its entries.
    kind: 'BALANCE_MISMATCH',
    sql: `select t.id as tenant_id, null as entry_id,
            'balance ' || ${credits('t.balance')} || ' but the ledger sums to ' || ${credits(`coalesce(sum(${signed}), 0)`)} as detail
          from tenant t left join ledger_entry l on l.tenant_id = t.id
          group by t.id, t.balance having t.balance <> coalesce(sum(${signed}), 0)`,
  },
  {
    // Each entry's balance_after is the previous one's (0 before the first) plus or minus its amount.
    kind: 'BROKEN_CHAIN',
    sql: `select tenant_id, id as entry_id,
            'seq ' || seq || ': balance_after ' || ${credits('balance_after')} || ', expected ' || ${credits('expected')} as detail
          from (select id, tenant_id, seq, balance_after,
                  coalesce(lag(balance_after) over (partition by tenant_id order by seq), 0) + ${signed} as expected
                from ledger_entry) chained
          where balance_after <> expected`,
  },
  {
    kind: 'NEGATIVE_BALANCE',
    sql: `select id as tenant_id, null as entry_id, 'balance ' || ${credits('balance')} as detail from tenant where balance < 0
          union all
          select tenant_id, id, 'seq ' || seq || ': balance_after ' || ${credits('balance_after')} from ledger_entry where balance_after < 0`,
  },
  {
    // Every refund gives back exactly one MESSAGE debit of the same tenant and message, for its amount.
    kind: 'BAD_REFUND',
    sql: `select r.tenant_id, r.id as entry_id,
            case when d.id is null then 'refund_of points at no entry'
                 when d.type <> 'DEBIT' or d.reason <> 'MESSAGE' then 'refund_of points at a ' || d.type || '/' || d.reason
                 when d.tenant_id <> r.tenant_id then 'refund_of points at another tenant''s debit'
                 when d.message_id is distinct from r.message_id then 'refund_of points at another message''s debit'
                 else 'refund of ' || ${credits('r.amount')} || ' for a debit of ' || ${credits('d.amount')} end as detail
          from ledger_entry r left join ledger_entry d on d.id = r.refund_of
          where r.reason = 'REFUND' and (d.id is null or d.type <> 'DEBIT' or d.reason <> 'MESSAGE'
            or d.tenant_id <> r.tenant_id or d.message_id is distinct from r.message_id or d.amount <> r.amount)`,
  },
];

export async function verifyLedger(run: RunSql): Promise<LedgerReport> {
  const problems: LedgerProblem[] = [];
  for (const check of CHECKS) {
    for (const row of await run(check.sql)) {
      problems.push({
        kind: check.kind,
        tenantId: String(row.tenant_id),
        entryId: row.entry_id == null ? null : String(row.entry_id),
        detail: String(row.detail),
      });
    }
  }
  const [counts] = await run('select (select count(*) from tenant)::int as tenants, (select count(*) from ledger_entry)::int as entries');
  return { tenants: Number(counts?.tenants ?? 0), entries: Number(counts?.entries ?? 0), problems };
}

export const describeProblem = (problem: LedgerProblem): string =>
  `${problem.kind} tenant ${problem.tenantId}${problem.entryId ? ` entry ${problem.entryId}` : ''}: ${problem.detail}`;
