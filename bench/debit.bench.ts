// `npm run bench -- debit`: Herald's locked debit (debitForDispatch, the dispatch's money step) against
// PostgreSQL's own floor for the same kind of work, `pgbench -b tpcb-like` (a balance update, a history
// insert and three reads per transaction), with the same clients on the same server in the same run.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../server/config.ts';
import { debitForDispatch } from '../server/modules/messages/dispatch.service.ts';
import type { Engines } from '../scripts/lib/engines.ts';
import { benchTenant } from './lib/fixtures.ts';
import { printResult, progress, round, say, writeBarChart } from './lib/report.ts';

const CLIENTS = 8;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

export interface DebitCase {
  tenants: number;
  herald_per_s: number;
  pgbench_tps: number;
  ratio: number;
  /** Herald's SQL alone, driven by pgbench: what the server allows Herald's debit. */
  herald_sql_via_pgbench_per_s: number;
}

function pgbenchPath(): string {
  const found = spawnSync('sh', ['-c', 'command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | tail -1'], { encoding: 'utf8' });
  const existing = found.stdout.trim().split('\n').filter(Boolean).at(-1);
  if (existing) return existing;
  say('pgbench is missing: installing Debian\'s postgresql-15 package (it carries pgbench)…');
  spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null'], { stdio: 'inherit' });
  const installed = '/usr/lib/postgresql/15/bin/pgbench';
  if (spawnSync(installed, ['--version']).status !== 0) throw new Error('pgbench is not available and could not be installed');
  return installed;
}

/** pgbench's tpcb-like run at `scale` branches (one branch row per tenant: the same hot-row shape). */
function runPgbench(engines: Engines, scale: number): number {
  const bin = pgbenchPath();
  const database = `pgbench_${scale}`;
  const { host, port, user, password } = engines.postgres;
  const env = { ...process.env, PGPASSWORD: password };
  const common = ['-h', host, '-p', String(port), '-U', user];
  // Server-side data generation (G): scale 100 is ten million account rows.
  const init = spawnSync(bin, [...common, '-i', '-I', 'dtGvp', '-s', String(scale), '-q', database], { env, encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`pgbench -i failed: ${init.stderr}`);
  const run = spawnSync(bin, [...common, '-b', 'tpcb-like', '-c', String(CLIENTS), '-j', '2', '-T', String(SECONDS), '-n', database], { env, encoding: 'utf8' });
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(run.stdout);
  if (!tps) throw new Error(`pgbench gave no tps:\n${run.stdout}\n${run.stderr}`);
  return Number(tps[1]);
}

async function createDatabase(engines: Engines, name: string): Promise<void> {
  const { host, port, user, password } = engines.postgres;
  const client = new pg.Client({ host, port, user, password, database: 'postgres' });
  await client.connect();
  try {
    await client.query(`drop database if exists ${name}`);
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
}

/** Messages due now, stored in bulk (setup, not what is measured), spread round-robin over the tenants. */
async function storeDueMessages(engines: Engines, tenants: Awaited<ReturnType<typeof benchTenant>>[], perTenant: number): Promise<string[]> {
  const connection = engines.orm.em.fork().getConnection();
  const ids: string[][] = [];
  for (const tenant of tenants) {
    const rows = await connection.execute<{ id: string }[]>(
      `insert into message (id, tenant_id, template_id, contact_id, idempotency_key, request_hash, schedule_time, workflow_id,
         workflow_started, created_at, updated_at)
       select gen_random_uuid(), ?, ?, c.id, 'bench-' || g || '-' || c.id, repeat('0', 64), now(), 'bench-' || gen_random_uuid(), true, now(), now()
       from generate_series(1, ?) g cross join lateral (select id from contact where tenant_id = ? order by random() limit 1) c
       returning id`,
      [tenant.tenantId, tenant.templateId, perTenant, tenant.tenantId],
    );
    ids.push(rows.map((row) => row.id));
  }
  const interleaved: string[] = [];
  for (let i = 0; i < perTenant; i++) for (const list of ids) interleaved.push(list[i]!);
  return interleaved;
}

/**
 * Herald's own two SQL calls (facts, then the locked debit), driven by pgbench instead of Node: the server's
 * floor for Herald's debit. Herald's rate far below it means the Node client is the bound; near it, the server.
 */
function runHeraldSqlViaPgbench(engines: Engines, database: string, price: bigint): number {
  const { host, port, user, password } = engines.postgres;
  const script = path.join(engines.scratch, 'herald-debit.sql');
  const pick = '(select id from bench_debit_queue where n = :client_id * 1000000 + :i)';
  writeFileSync(script, [
    '\\set i :i + 1',
    `select * from dispatch_message_facts(${pick});`,
    `select * from dispatch_message_debit(${pick}, ${price}, 'UTILITY', '["Reader"]'::jsonb, 'Message to +15550000000', false);`,
    '',
  ].join('\n'));
  const run = spawnSync(pgbenchPath(), ['-h', host, '-p', String(port), '-U', user, '-f', script, '-D', 'i=0', '-c', String(CLIENTS), '-j', '2', '-T', String(SECONDS), '-n', database],
    { env: { ...process.env, PGPASSWORD: password }, encoding: 'utf8' });
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(run.stdout);
  if (!tps) throw new Error(`pgbench (Herald's SQL) gave no tps:\n${run.stdout}\n${run.stderr}`);
  return Number(tps[1]);
}

/** The messages the Node run left undebited, split among pgbench's clients by `client_id * 1e6 + i`. */
async function queueForPgbench(engines: Engines, ids: string[]): Promise<void> {
  const connection = engines.orm.em.fork().getConnection();
  await connection.execute('drop table if exists bench_debit_queue');
  await connection.execute('create table bench_debit_queue (n bigint primary key, id uuid not null)');
  const rows = ids.map((id, k) => ({ n: (k % CLIENTS) * 1_000_000 + Math.floor(k / CLIENTS) + 1, id }));
  await connection.execute('insert into bench_debit_queue (n, id) select n, id from jsonb_to_recordset(?::jsonb) as r(n bigint, id uuid)', [JSON.stringify(rows)]);
  await connection.execute('analyze bench_debit_queue');
}

async function runHerald(engines: Engines, tenants: number): Promise<{ perSecond: number; sqlFloor: number }> {
  const prices = loadConfig({ DATABASE_URL: engines.databaseUrl, LOG_LEVEL: 'silent', HERALD_DATA_DIR: engines.scratch }).prices;
  const made = [];
  for (let i = 0; i < tenants; i++) made.push(await benchTenant(engines.orm, { contacts: 20, credits: 100_000_000_000n, index: i }));
  // Enough for the whole run at several times today's rate.
  // Enough for the Node run and then pgbench driving the same SQL, at several times today's rates.
  const ids = await storeDueMessages(engines, made, Math.ceil(150_000 / tenants));
  let next = 0;
  let done = 0;
  const line = progress(`debit, ${tenants} tenant(s)`);
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  const ticker = setInterval(() => line.update(`${done} debits, ${Math.round(done / ((performance.now() - started) / 1000))}/s`), 500);
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < deadline && next < ids.length) {
        const id = ids[next++]!;
        const result = await debitForDispatch(engines.orm.em.fork(), prices, id);
        if (!result.ok) throw new Error(`debit refused: ${result.reason}`);
        done++;
      }
    }),
  );
  clearInterval(ticker);
  const perSecond = done / ((performance.now() - started) / 1000);
  line.done(`${done} debits in ${SECONDS} s`);
  await queueForPgbench(engines, ids.slice(next));
  const database = new URL(engines.databaseUrl).pathname.slice(1);
  const sqlFloor = runHeraldSqlViaPgbench(engines, database, prices.UTILITY as bigint);
  return { perSecond, sqlFloor };
}

export async function benchDebit(engines: Engines): Promise<DebitCase[]> {
  const cases: DebitCase[] = [];
  for (const tenants of [1, 100]) {
    say(`debit: ${CLIENTS} concurrent callers for ${SECONDS} s, ${tenants} tenant(s)`);
    const { perSecond: herald, sqlFloor } = await runHerald(engines, tenants);
    say(`  Herald's two SQL calls driven by pgbench instead of Node: ${round(sqlFloor)}/s (Node reaches ${round(herald / sqlFloor, 2)}× of it)`);
    await createDatabase(engines, `pgbench_${tenants}`);
    say(`pgbench -b tpcb-like: ${CLIENTS} clients for ${SECONDS} s, scale ${tenants}`);
    const pgbench = runPgbench(engines, tenants);
    const ratio = herald / pgbench;
    say(`  Herald ${round(herald)} debits/s, pgbench ${round(pgbench)} tps: ${round(ratio, 2)}× (goal ≥ 0.7×)`);
    cases.push({ tenants, herald_per_s: round(herald), pgbench_tps: round(pgbench), ratio: round(ratio, 2), herald_sql_via_pgbench_per_s: round(sqlFloor) });
  }
  const chart = await writeBarChart(
    'debit',
    `Locked debits vs pgbench tpcb-like (${CLIENTS} clients)`,
    'per second',
    cases.flatMap((c) => [
      { group: `${c.tenants} tenant${c.tenants > 1 ? 's' : ''}`, series: 'Herald debit', value: c.herald_per_s },
      { group: `${c.tenants} tenant${c.tenants > 1 ? 's' : ''}`, series: 'pgbench tpcb-like', value: c.pgbench_tps },
    ]),
  );
  say(`chart: ${chart}`);
  printResult({ benchmark: 'debit', cases });
  return cases;
}
