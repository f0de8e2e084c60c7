// `npm run bench [contacts|messages]`: times a 10,000-contact import, and the message lifecycle's
// throughput (messages fully settled per second), against a throw-away embedded PostgreSQL and a local
// Temporal dev server of their own.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { migrate, openOrm, type Orm } from '../server/db/orm.ts';
import { freePort } from '../scripts/lib/ports.ts';
import { startEmbeddedPostgres, type RunningPostgres } from '../scripts/lib/postgres.ts';
import { findTemporalCli, startTemporalDevServer, type RunningTemporal } from '../scripts/lib/temporal.ts';
import { benchContactsImport } from './contacts-import.bench.ts';
import { benchMessageThroughput } from './messages-throughput.bench.ts';

const only = process.argv[2];
const CONTACTS = 10_000;
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 300);
const ROUNDS = 5;
const TARGET_MS = 1000;


const say = (line: string) => process.stdout.write(`[bench] ${line}\n`);
const ms = (value: number) => `${value.toFixed(1)} ms`;

const scratch = await mkdtemp(path.join(os.tmpdir(), 'herald-bench-'));
// mkdtemp makes it private; as root, PostgreSQL runs as another user that must reach its data directory.
await chmod(scratch, 0o755);
let postgres: RunningPostgres | undefined;
let orm: Orm | undefined;
let temporal: RunningTemporal | undefined;

async function cleanUp() {
  await orm?.close().catch(() => {});
  await temporal?.stop().catch(() => {});
  await postgres?.stop().catch(() => {});
  await rm(scratch, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
}

try {
  say('starting embedded PostgreSQL…');
  postgres = await startEmbeddedPostgres({
    dataDir: path.join(scratch, 'postgres', 'data'),
    port: await freePort(),
    database: 'herald_bench',
    persistent: false,
  });
  orm = await openOrm(postgres.url, { logger: () => {} });
  await migrate(orm, postgres.url);

  if (only !== 'messages') {
    say(`importing ${CONTACTS.toLocaleString('en-US')} contacts through importContacts(): 1 warm-up + ${ROUNDS} timed rounds, a fresh tenant each`);
    const result = await benchContactsImport(orm, { contacts: CONTACTS, rounds: ROUNDS });
    const met = result.medianMs < TARGET_MS;
    say(`rounds:  ${result.roundsMs.map(ms).join(', ')}`);
    say(`median:  ${ms(result.medianMs)}  (min ${ms(result.minMs)}, max ${ms(result.maxMs)})`);
    say(`rate:    ${Math.round(CONTACTS / (result.medianMs / 1000)).toLocaleString('en-US')} rows/s at the median`);
    say(`of which validation + E.164 normalisation: ~${ms(result.validationMs)}`);
    say(`target:  10,000 contacts well under 1 s (median < ${TARGET_MS} ms) — ${met ? 'MET' : 'MISSED'}`);
    if (!met) process.exitCode = 1;
  }

  if (only !== 'contacts') {
    say('starting a Temporal dev server…');
    temporal = await startTemporalDevServer({ cli: findTemporalCli({ log: say }), port: await freePort(), namespace: 'default' });
    say(`scheduling ${MESSAGES} messages due now to ordinary sandbox numbers, then waiting until every one is READ`);
    const result = await benchMessageThroughput(orm, { databaseUrl: postgres.url, temporalAddress: temporal.address }, { messages: MESSAGES, concurrency: 20 });
    say(`scheduled in   ${result.scheduleSeconds.toFixed(2)} s (${Math.round(result.messages / result.scheduleSeconds)} schedule calls/s)`);
    say(`settled in     ${result.settleSeconds.toFixed(2)} s from the first schedule call`);
    say(`throughput:    ${result.settledPerSecond.toFixed(1)} messages fully settled per second`);
    for (const phase of result.phases) say(`  ${phase.name}: median ${ms(phase.medianMs)}, p95 ${ms(phase.p95Ms)}`);
  }
} catch (error) {
  console.error('[bench] failed:', error);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
