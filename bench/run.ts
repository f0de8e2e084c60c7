// `npm run bench`: times a 10,000-contact import against its own throw-away embedded PostgreSQL.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { migrate, openOrm, type Orm } from '../server/db/orm.ts';
import { startEmbeddedPostgres, type RunningPostgres } from '../scripts/lib/postgres.ts';
import { benchContactsImport } from './contacts-import.bench.ts';

const CONTACTS = 10_000;
const ROUNDS = 5;
const TARGET_MS = 1000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

const say = (line: string) => process.stdout.write(`[bench] ${line}\n`);
const ms = (value: number) => `${value.toFixed(1)} ms`;

const scratch = await mkdtemp(path.join(os.tmpdir(), 'herald-bench-'));
// mkdtemp makes it private; as root, PostgreSQL runs as another user that must reach its data directory.
await chmod(scratch, 0o755);
let postgres: RunningPostgres | undefined;
let orm: Orm | undefined;

async function cleanUp() {
  await orm?.close().catch(() => {});
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

  say(`importing ${CONTACTS.toLocaleString('en-US')} contacts through importContacts(): 1 warm-up + ${ROUNDS} timed rounds, a fresh tenant each`);
  const result = await benchContactsImport(orm, { contacts: CONTACTS, rounds: ROUNDS });
  const met = result.medianMs < TARGET_MS;
  say(`rounds:  ${result.roundsMs.map(ms).join(', ')}`);
  say(`median:  ${ms(result.medianMs)}  (min ${ms(result.minMs)}, max ${ms(result.maxMs)})`);
  say(`rate:    ${Math.round(CONTACTS / (result.medianMs / 1000)).toLocaleString('en-US')} rows/s at the median`);
  say(`of which validation + E.164 normalisation: ~${ms(result.validationMs)}`);
  say(`target:  10,000 contacts well under 1 s (median < ${TARGET_MS} ms) — ${met ? 'MET' : 'MISSED'}`);
  process.exitCode = met ? 0 : 1;
} catch (error) {
  console.error('[bench] failed:', error);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
