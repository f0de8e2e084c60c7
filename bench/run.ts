// `npm run bench [-- NAME] [--temporal=postgres]`: each benchmark compares Herald with its engine's own floor
// in the same run, on throw-away engines of its own, and ends with one `RESULT <json>` line.
//   campaign   one campaign to 10,000 contacts: API answer time, all message workflows started, dispatch rate vs the channel limit
//   contacts   10,000 contacts through the import service (median of 5 rounds)
//   debit      the locked debit vs pgbench tpcb-like, 8 clients, 1 and 100 tenants
//   fairness   a 100,000-contact campaign an hour ahead + one due now: another tenant's single message latency vs idle
//   governor   two numbers at 20/s and 80/s, 400 messages each due at once: each one's achieved send rate
//   lifecycle  N messages due at once until READ vs a bare workflow of the same shape; peak RSS of API and worker
//   schedule   POST /messages/schedule at 50 concurrent, REST and tRPC
import { benchCampaign } from './campaign.bench.ts';
import { benchContactsImport } from './contacts-import.bench.ts';
import { benchDebit } from './debit.bench.ts';
import { benchFairness } from './fairness.bench.ts';
import { benchGovernor } from './governor.bench.ts';
import { startEngines, type TemporalKind } from '../scripts/lib/engines.ts';
import { printResult, say } from './lib/report.ts';
import { benchLifecycle } from './lifecycle.bench.ts';
import { benchSchedule } from './schedule.bench.ts';

const NAMES = ['campaign', 'contacts', 'debit', 'fairness', 'governor', 'lifecycle', 'schedule'] as const;
type Name = (typeof NAMES)[number];

const args = process.argv.slice(2);
const temporalFlag = args.find((arg) => arg.startsWith('--temporal='))?.slice('--temporal='.length) ?? 'dev';
if (temporalFlag !== 'dev' && temporalFlag !== 'postgres') {
  console.error(`--temporal must be dev or postgres, not ${temporalFlag}`);
  process.exit(2);
}
const asked = args.filter((arg) => !arg.startsWith('--'));
const unknown = asked.filter((name) => !NAMES.includes(name as Name));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${NAMES.join(', ')}`);
  process.exit(2);
}
const selected: Name[] = asked.length > 0 ? (asked as Name[]) : [...NAMES];

const CONTACTS = 10_000;
const engines = await startEngines(temporalFlag as TemporalKind, say);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void engines.close().finally(() => process.exit(130)));
}

try {
  for (const name of selected) {
    if (name === 'contacts') {
      say(`contacts: ${CONTACTS.toLocaleString('en-US')} contacts through importContacts(), 1 warm-up + 5 timed rounds`);
      const result = await benchContactsImport(engines.orm, { contacts: CONTACTS, rounds: 5 });
      say(`  median ${result.medianMs.toFixed(1)} ms (min ${result.minMs.toFixed(1)}, max ${result.maxMs.toFixed(1)}); validation alone ~${result.validationMs.toFixed(1)} ms`);
      printResult({ benchmark: 'contacts', contacts: CONTACTS, median_ms: Number(result.medianMs.toFixed(1)), validation_ms: Number(result.validationMs.toFixed(1)) });
    }
    if (name === 'campaign') await benchCampaign(engines);
    if (name === 'debit') await benchDebit(engines);
    if (name === 'fairness') await benchFairness(engines);
    if (name === 'governor') await benchGovernor(engines);
    if (name === 'lifecycle') await benchLifecycle(engines);
    if (name === 'schedule') await benchSchedule(engines);
  }
} catch (error) {
  console.error('[bench] failed:', error);
  process.exitCode = 1;
} finally {
  await engines.close();
}
