// `npm run ledger:verify`: checks every tenant's ledger invariants (balance = sum of entries, each
// balance_after chains, nothing negative, every refund points at its debit). Exits 1 on any problem.
// Uses DATABASE_URL, else the embedded dev database under HERALD_DATA_DIR (running or not).
import { existsSync } from 'node:fs';
import pg from 'pg';
import { loadConfigOrExit } from '../server/config.ts';
import { describeProblem, verifyLedger } from '../server/modules/billing/ledger-verify.ts';
import { openDevDatabase, type RunningPostgres } from './lib/postgres.ts';

const USAGE = 'usage: DATABASE_URL=postgresql://… npm run ledger:verify (without DATABASE_URL: the embedded dev database of `npm start`)';

if (existsSync('.env')) process.loadEnvFile('.env');
const config = loadConfigOrExit();
const fail = (line: string): never => {
  console.error(`[ledger:verify] ${line}`);
  console.error(USAGE);
  process.exit(2);
};

let postgres: RunningPostgres | undefined;
let databaseUrl = config.DATABASE_URL;
if (!databaseUrl) {
  // Never created here: a new, empty cluster has nothing to verify.
  postgres = await openDevDatabase({ dataDir: config.HERALD_DATA_DIR, port: config.EMBEDDED_POSTGRES_PORT });
  if (!postgres) fail(`no DATABASE_URL and no embedded database under ${config.HERALD_DATA_DIR}`);
  databaseUrl = postgres!.url;
}

const client = new pg.Client({ connectionString: databaseUrl });
let exitCode = 0;
try {
  await client.connect();
  const schema = await client.query(`select to_regclass('ledger_entry') is not null as ready`);
  if (!schema.rows[0]?.ready) throw new Error('the database has no ledger_entry table (run `npm start` or `npm run migrate` first)');
  const report = await verifyLedger(async (sql) => (await client.query(sql)).rows);
  if (report.problems.length === 0) {
    console.log(`ledger consistent: ${report.tenants} tenants, ${report.entries} entries`);
  } else {
    for (const problem of report.problems) console.log(describeProblem(problem));
    console.log(`ledger INCONSISTENT: ${report.problems.length} problems in ${report.tenants} tenants, ${report.entries} entries`);
    exitCode = 1;
  }
} catch (error) {
  console.error(`[ledger:verify] ${error instanceof Error ? error.message : String(error)}`);
  exitCode = 2;
} finally {
  await client.end().catch(() => {});
  await postgres?.stop();
}
process.exit(exitCode);
