// `npm run bench -- lifecycle [--temporal=postgres]`: N messages due at the same instant, from that instant
// until every one is READ, through the real path (API and worker as separate processes, the locked debit,
// the Graph API client against the local Meta stand-in, signed webhooks back into the API), beside the floor:
// a bare workflow of the same shape on the same Temporal server in the same run.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { postEntry } from '../server/modules/billing/ledger.service.ts';
import { startSandboxServer } from '../server/modules/whatsapp/sandbox-server.ts';
import { units } from '../server/shared/money.ts';
import { callJson } from '../scripts/lib/http-json.ts';
import { freePort } from '../server/shared/ports.ts';
import type { Orm } from '../server/db/orm.ts';
import type { Engines } from '../scripts/lib/engines.ts';
import { tenantOverHttp } from './lib/fixtures.ts';
import { heraldEnv, startHeraldProcess, waitForHttp } from './lib/processes.ts';
import { printResult, progress, round, say, writeBarChart } from './lib/report.ts';
import { bareMessageWorkflow, bareStatusSignal } from './workflows/bare.ts';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 300);
/** Meta's own latencies are not Herald's: the stand-in answers statuses after 50, 100 and 150 ms, and so does the floor. */
const STATUS_DELAYS = { sent: 50, delivered: 100, read: 150 };

export interface LifecycleResult {
  herald_per_s: number;
  bare_per_s: number;
  ratio: number;
  server: 'dev' | 'postgres';
  rss_api_mb: number;
  rss_worker_mb: number;
  messages: number;
}

/** Waits until `count()` reaches `target`, showing progress; returns the moment it did. */
async function waitForCount(label: string, count: () => Promise<number>, target: number, since: number, explain = async () => ''): Promise<number> {
  const line = progress(label);
  for (;;) {
    const n = await count();
    line.update(`${n}/${target} settled, ${((performance.now() - since) / 1000).toFixed(1)} s`);
    if (n >= target) {
      line.done();
      return performance.now();
    }
    if (performance.now() - since > 300_000) throw new Error(`${label}: not settled within 5 minutes ${await explain()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function runHerald(engines: Engines, temporalAddress: string) {
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const appSecret = randomUUID();
  const accessToken = `bench-${randomUUID()}`;
  const sandbox = await startSandboxServer({
    webhookUrl: `${apiUrl}/webhook/meta`,
    appSecret,
    accessToken,
    delaysMs: STATUS_DELAYS,
    log: { info() {}, warn() {}, error() {} },
  });
  const env = heraldEnv(engines, temporalAddress, port, {
    WHATSAPP_API_BASE_URL: sandbox.url,
    WHATSAPP_ACCESS_TOKEN: accessToken,
    WHATSAPP_APP_SECRET: appSecret,
  });
  const api = startHeraldProcess('api', env);
  const worker = startHeraldProcess('worker', env);
  try {
    await waitForHttp(`${apiUrl}/healthz`);
    const contacts = Array.from({ length: MESSAGES }, (_, i) => ({ phone: `+1555777${String(3000 + i).padStart(4, '0')}`, name: `Reader ${i}` }));
    const { token, tenantId, templateId, contactIds } = await tenantOverHttp(apiUrl, contacts);
    await postEntry(engines.orm.em.fork(), { tenantId, type: 'CREDIT', reason: 'TOPUP', amount: units(100_000_000_000n), description: 'bench' });

    // Everything is scheduled first, for one instant a little ahead; the clock starts at that instant.
    const dueAt = Date.now() + 5_000 + MESSAGES * 25;
    const scheduleTime = new Date(dueAt).toISOString();
    for (let i = 0; i < contactIds.length; i += 20) {
      await Promise.all(contactIds.slice(i, i + 20).map((contactId) =>
        callJson(`${apiUrl}/messages/schedule`, 'POST', { templateId, contactId, scheduleTime, idempotencyKey: randomUUID() }, token)));
    }
    if (Date.now() > dueAt) throw new Error('scheduling took longer than the lead time: raise it');
    await new Promise((resolve) => setTimeout(resolve, dueAt - Date.now()));
    const start = performance.now();
    const connection = engines.orm.em.fork().getConnection();
    const settled = await waitForCount('Herald lifecycle', async () =>
      Number((await connection.execute<{ n: string }[]>(`select count(*) as n from message where tenant_id = ? and status = 'READ'`, [tenantId]))[0]!.n),
      MESSAGES, start,
      async () => JSON.stringify(await connection.execute(`select status, count(*)::int as n from message where tenant_id = ? group by status`, [tenantId])));
    return { perSecond: MESSAGES / ((settled - start) / 1000), rssApi: api.peakRssMb(), rssWorker: worker.peakRssMb(), phases: await phaseTimings(engines.orm, tenantId) };
  } finally {
    await api.stop();
    await worker.stop();
    await sandbox.close();
  }
}

async function runBare(temporalAddress: string) {
  // The floor's worker logs only problems, as Herald's worker does at LOG_LEVEL=warn.
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed by an earlier run in this process
  }
  const taskQueue = `bare-${randomUUID()}`;
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection });
  const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowsPath: fileURLToPath(new URL('./workflows/bare.ts', import.meta.url)),
    activities: {
      async noopDebit() {},
      // As the stand-in does after a send: three statuses come back as signals shortly after.
      async noopSend(id: string) {
        const handle = client.workflow.getHandle(`bare-${id}`);
        for (const [status, delay] of Object.entries(STATUS_DELAYS)) {
          setTimeout(() => void handle.signal(bareStatusSignal, status).catch(() => {}), delay);
        }
      },
    },
  });
  const running = worker.run();
  try {
    const dueAt = Date.now() + 5_000 + MESSAGES * 10;
    const handles = [];
    for (let i = 0; i < MESSAGES; i += 20) {
      handles.push(...(await Promise.all(Array.from({ length: Math.min(20, MESSAGES - i) }, (_, j) => {
        const id = `${i + j}-${randomUUID()}`;
        return client.workflow.start(bareMessageWorkflow, { taskQueue, workflowId: `bare-${id}`, args: [id, dueAt] });
      }))));
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, dueAt - Date.now())));
    const start = performance.now();
    let finished = 0;
    const line = progress('bare workflow');
    const ticker = setInterval(() => line.update(`${finished}/${MESSAGES} settled`), 250);
    await Promise.all(handles.map((handle) => handle.result().then(() => void finished++)));
    clearInterval(ticker);
    line.done();
    return MESSAGES / ((performance.now() - start) / 1000);
  } finally {
    worker.shutdown();
    await running;
    await nativeConnection.close();
    await connection.close();
  }
}

export async function benchLifecycle(engines: Engines): Promise<LifecycleResult> {
  const address = await engines.temporalAddress();
  say(`lifecycle: ${MESSAGES} messages due at one instant, until READ (Temporal: ${engines.temporalKind} server)`);
  const herald = await runHerald(engines, address);
  say(`  Herald: ${round(herald.perSecond)} settled/s; peak RSS API ${round(herald.rssApi)} MB, worker ${round(herald.rssWorker)} MB (goal ≤ 300 each)`);
  for (const phase of herald.phases) say(`    ${phase.name}: median ${round(phase.medianMs)} ms, p95 ${round(phase.p95Ms)} ms`);
  const bare = await runBare(address);
  const ratio = herald.perSecond / bare;
  say(`  bare workflow: ${round(bare)} settled/s → ratio ${round(ratio, 2)}× (goal ≥ 0.9×)`);
  const result: LifecycleResult = {
    herald_per_s: round(herald.perSecond),
    bare_per_s: round(bare),
    ratio: round(ratio, 2),
    server: engines.temporalKind,
    rss_api_mb: round(herald.rssApi),
    rss_worker_mb: round(herald.rssWorker),
    messages: MESSAGES,
  };
  const chart = await writeBarChart(`lifecycle-${engines.temporalKind}`, `Message lifecycle vs bare workflow (${engines.temporalKind} Temporal)`, 'settled per second', [
    { group: `${MESSAGES} messages`, series: 'Herald', value: result.herald_per_s },
    { group: `${MESSAGES} messages`, series: 'bare workflow', value: result.bare_per_s },
  ]);
  say(`chart: ${chart}`);
  printResult({ benchmark: 'lifecycle', ...result });
  return result;
}

/** Where the time goes, from each message's history (Herald's own clock for every step). */
async function phaseTimings(orm: Orm, tenantId: string) {
  const rows = await orm.em.fork().getConnection().execute<{ name: string; median: number; p95: number }[]>(
    `with steps as (
       select m.id,
         m.schedule_time as due,
         min(e.occurred_at) filter (where e.status = 'DISPATCHING') as debited,
         min(e.occurred_at) filter (where e.status = 'SENT' and e.source = 'WORKFLOW') as accepted,
         max(e.recorded_at) filter (where e.status = 'READ') as read
       from message m join message_status_event e on e.message_id = m.id
       where m.tenant_id = ? group by m.id, m.schedule_time),
     phases as (
       select 'due → debited (timer fires, debit step)' as name, extract(epoch from debited - due) * 1000 as ms from steps
       union all select 'debited → accepted by WhatsApp (send activity)', extract(epoch from accepted - debited) * 1000 from steps
       union all select 'accepted → READ recorded (simulated Meta + webhook)', extract(epoch from read - accepted) * 1000 from steps)
     select name, percentile_cont(0.5) within group (order by ms) as median, percentile_cont(0.95) within group (order by ms) as p95
     from phases group by name order by min(ms)`,
    [tenantId],
  );
  return rows.map((row) => ({ name: row.name, medianMs: Number(row.median), p95Ms: Number(row.p95) }));
}
