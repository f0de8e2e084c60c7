// `npm run test:production`: Herald as production runs it, without Docker. Temporal's own server on its
// PostgreSQL, Herald's database on a PostgreSQL server of its own, two API processes and two worker processes
// started with package.json's `start:api` / `start:worker` command lines and compose's environment, and the local
// Graph stand-in. Messages are scheduled through both APIs alternately; a third of the way, one worker is killed
// with SIGKILL and restarted 10 s later; half way, Herald's PostgreSQL is stopped for a few seconds and started
// again (calls answer 503, /readyz names the database); two thirds of the way, the other API and the other worker
// get SIGTERM under load. A campaign to further contacts, created through the second API at the start, goes out
// through all of it. The client retries as the README says (same idempotency key, the other API). Then: every
// message READ, each recipient sent to exactly once, one debit each, no error reached the client, the ledger
// verifies, the live processes serve their metrics, every process stops cleanly on SIGTERM. Prints a summary;
// exits 1 when anything is off.
import { randomUUID } from 'node:crypto';
import { startHeraldProcess, waitForHttp, type HeraldProcess } from '../bench/lib/processes.ts';
import { tenantOverHttp } from '../bench/lib/fixtures.ts';
import { postEntry } from '../server/modules/billing/ledger.service.ts';
import { verifyLedger } from '../server/modules/billing/ledger-verify.ts';
import { startSandboxServer } from '../server/modules/whatsapp/sandbox-server.ts';
import { units } from '../server/shared/money.ts';
import { startEngines } from './lib/engines.ts';
import { freePort } from '../server/shared/ports.ts';
import { postgresOutage, type OutageReport } from './lib/postgres-outage.ts';
import { apiEnv, sharedEnv, workerEnv } from './lib/production-env.ts';
import { call, retryingClient } from './lib/retrying-client.ts';

const MESSAGES = Number(process.env.PRODUCTION_MESSAGES ?? 1000);
/** Contacts of the campaign, beyond the individually scheduled messages. */
const CAMPAIGN_CONTACTS = Number(process.env.PRODUCTION_CAMPAIGN_CONTACTS ?? 200);
const TOTAL = MESSAGES + CAMPAIGN_CONTACTS;
const POSTGRES_DOWN_MS = 6_000;
const t0 = Date.now();
const say = (line: string) => process.stdout.write(`[production +${Math.round((Date.now() - t0) / 1000)}s] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<boolean> {
  const started = Date.now();
  const engines = await startEngines('postgres', say, 'production', { ownHeraldServer: true });
  const processes: HeraldProcess[] = [];
  try {
    const temporalAddress = await engines.temporalAddress();
    const [portA, portB, metricsA, metricsB] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const apis = [`http://127.0.0.1:${portA}`, `http://127.0.0.1:${portB}`];
    const appSecret = randomUUID();
    let webhooksUndelivered = 0;
    const accessToken = `production-${randomUUID()}`;
    // Meta calls one webhook URL; here it is the first API (a load balancer would spread it).
    const meta = await startSandboxServer({
      webhookUrl: `${apis[0]}/webhook/meta`,
      appSecret,
      accessToken,
      delaysMs: { sent: 50, delivered: 100, read: 150 },
      // Meta retries a webhook the API did not take for days; four minutes here outlast the restart on a loaded machine.
      retryDelaysMs: [500, 2_000, 5_000, 15_000, 30_000, 60_000, 120_000],
      log: { info() {}, warn() {}, error: () => void webhooksUndelivered++ },
    });
    // One environment for all four, as compose shares one: same database, Temporal, task queue, keys.
    const shared = sharedEnv({
      databaseUrl: engines.databaseUrl,
      temporalAddress,
      taskQueue: `production-${randomUUID()}`,
      dataDir: engines.scratch,
      graphUrl: meta.url,
      accessToken,
      appSecret,
      phoneNumberId: '106540352242922',
    });
    const start = (name: 'api' | 'worker', own: Record<string, string>) => {
      const herald = startHeraldProcess(name, { ...shared, ...own }, { onlyGiven: true });
      processes.push(herald);
      return herald;
    };
    say('starting two APIs and two workers');
    start('api', apiEnv(portA));
    const apiB = start('api', apiEnv(portB));
    const workerA = start('worker', workerEnv(apis[0]!, metricsA));
    const workerB = start('worker', workerEnv(apis[1]!, metricsB));
    for (const api of apis) await waitForHttp(`${api}/readyz`);

    const contacts = Array.from({ length: TOTAL }, (_, i) => ({ phone: `+1555888${String(1000 + i).padStart(4, '0')}`, name: `Reader ${i}` }));
    const { token, tenantId, templateId, contactIds: everyContact } = await tenantOverHttp(apis[0]!, contacts);
    const contactIds = everyContact.slice(0, MESSAGES);
    await postEntry(engines.orm.em.fork(), { tenantId, type: 'CREDIT', reason: 'TOPUP', amount: units(1_000_000_000n), description: 'production run' });

    say(`scheduling ${MESSAGES} messages through both APIs alternately; a worker is killed, PostgreSQL restarted, an API and a worker stopped`);
    const count = async (sql: string) => Number((await engines.orm.em.fork().getConnection().execute<{ n: string }[]>(sql, [tenantId]))[0]!.n);
    const settled = () => count(`select count(*) as n from message where tenant_id = ? and status = 'READ'`);
    const client = retryingClient(apis, token);
    const outage = postgresOutage({
      server: engines.heraldServer,
      apis,
      workers: () => processes.filter((herald) => herald.name === 'worker' && herald !== workerA).map((herald) => herald.child),
      downMs: POSTGRES_DOWN_MS,
      say,
    });
    client.onAnswer = (answer) => outage.observe(answer);
    say(`a campaign to ${CAMPAIGN_CONTACTS} more contacts, through the second API`);
    const campaign = await client.post(
      '/campaigns',
      { name: 'Production run', templateId, scheduleTime: new Date().toISOString(), idempotencyKey: randomUUID(), audience: { contactIds: everyContact.slice(MESSAGES) } },
      1,
    );
    let workerBack: Promise<void> | undefined;
    let outageRun: Promise<OutageReport> | undefined;
    let terminated = false;
    for (let i = 0; i < contactIds.length; i += 20) {
      if (!workerBack && i >= contactIds.length / 3) {
        workerA.child.kill('SIGKILL');
        say(`worker killed (SIGKILL) with ${await settled()} messages READ; it restarts in 10 s`);
        workerBack = sleep(10_000).then(async () => {
          start('worker', workerEnv(apis[0]!, metricsA));
          await waitForHttp(`http://127.0.0.1:${metricsA}/metrics`);
          say('worker restarted');
        });
      }
      if (!outageRun && workerBack && i >= contactIds.length / 2) {
        // A worker starting while its database is down exits (its supervisor restarts it): not this scenario.
        await workerBack;
        outageRun = outage.run();
      }
      await Promise.all(contactIds.slice(i, i + 20).map((contactId, j) => client.post('/messages/schedule', { templateId, contactId, scheduleTime: new Date().toISOString(), idempotencyKey: randomUUID() }, i + j)));
      if (!terminated && outageRun && i >= (contactIds.length * 2) / 3) {
        await outageRun;
        terminated = true;
        say('SIGTERM to the second API and the second worker, under load');
        void apiB.stop();
        void workerB.stop();
      }
    }
    const postgresDown = await outageRun;
    const deadline = Date.now() + 10 * 60_000;
    while ((await settled()) < TOTAL && Date.now() < deadline) await sleep(500);
    // What a user and an operator see once it settled: the campaign's own counts, and metrics from every live process.
    const campaignSeen = campaign ? (await call(`${apis[0]}/campaigns/${campaign.id}`, 'GET', undefined, token)).body : undefined;
    const metrics = await scrapeLive({ api: apis[0]!, worker: `http://127.0.0.1:${metricsA}` });

    const byStatus = await engines.orm.em.fork().getConnection().execute<{ status: string; n: number }[]>(
      'select status, count(*)::int as n from message where tenant_id = ? group by status order by status',
      [tenantId],
    );
    const stored = await count('select count(*) as n from message where tenant_id = ?');
    const read = await settled();
    // Sends whose answer was lost (the SIGKILL, the restart) and that Meta's statuses showed accepted: not sent again.
    const recovered = await count(
      `select count(*) as n from message_status_event e join message m on m.id = e.message_id where m.tenant_id = ? and e.detail like '%answer was lost%'`,
    );
    const debits = await count(`select count(*) as n from ledger_entry where tenant_id = ? and reason = 'MESSAGE'`);
    const sendsPerRecipient = new Map<string, number>();
    for (const record of meta.sent) if (record.httpStatus === 200) sendsPerRecipient.set(record.to, (sendsPerRecipient.get(record.to) ?? 0) + 1);
    const duplicates = [...sendsPerRecipient.values()].filter((sends) => sends > 1).length;
    const lost = contacts.filter((contact) => !sendsPerRecipient.has(contact.phone)).length;
    const ledger = await verifyLedger((sql) => engines.orm.em.fork().getConnection().execute(sql));
    // Every process but the one killed must stop on SIGTERM by itself (exit 0), the database restart notwithstanding.
    for (const herald of [...processes].reverse()) await herald.stop();
    const unclean = processes.filter((herald) => herald !== workerA && herald.child.exitCode !== 0).map((herald) => `${herald.name} ${herald.child.signalCode ?? herald.child.exitCode}`);
    const outageOk = postgresDown !== undefined && postgresDown.problems.length === 0;
    const campaignRead = Number(campaignSeen?.counts?.READ ?? NaN);
    const ok =
      stored === TOTAL &&
      read === TOTAL &&
      debits === TOTAL &&
      campaignSeen?.audienceSize === CAMPAIGN_CONTACTS &&
      campaignRead === CAMPAIGN_CONTACTS &&
      metrics.problems.length === 0 &&
      duplicates === 0 &&
      lost === 0 &&
      client.errors.length === 0 &&
      ledger.problems.length === 0 &&
      unclean.length === 0 &&
      outageOk;
    const summary = {
      messages: TOTAL,
      campaign: { audience: campaignSeen?.audienceSize, read: campaignRead, status: campaignSeen?.status },
      stored,
      read,
      byStatus: Object.fromEntries(byStatus.map((row) => [row.status, row.n])),
      debits,
      duplicates,
      lost,
      clientErrors: client.errors.length,
      clientRetries: client.retries,
      recoveredSends: recovered,
      metrics: metrics.problems.length === 0 ? 'served' : metrics.problems,
      webhooksUndelivered,
      postgresDown: postgresDown ?? 'did not happen (too few messages)',
      ledger: ledger.problems.length === 0 ? 'verifies' : `${ledger.problems.length} problems`,
      shutdown: unclean.length === 0 ? 'clean' : unclean,
      seconds: Math.round((Date.now() - started) / 1000),
    };
    say(`summary ${JSON.stringify(summary)}`);
    for (const error of client.errors.slice(0, 5)) say(`client error: ${error}`);
    say(ok ? 'passed' : 'FAILED');
    await meta.close();
    return ok;
  } finally {
    for (const herald of processes.reverse()) await herald.stop();
    await engines.close();
  }
}

/** Each live API's and worker's /metrics: Herald's own counters, and on a worker the Temporal SDK's. */
async function scrapeLive(live: { api: string; worker: string }): Promise<{ problems: string[] }> {
  const expected = {
    api: [/^herald_http_requests_total\{/m, /^herald_webhook_statuses_total\{/m],
    worker: [/^herald_debits_total [1-9]/m, /^temporal_\w+/m],
  };
  const problems: string[] = [];
  for (const [kind, base] of Object.entries(live) as ['api' | 'worker', string][]) {
    const answer = await fetch(`${base}/metrics`).catch((error: unknown) => error);
    if (!(answer instanceof Response) || answer.status !== 200) {
      problems.push(`${base}/metrics did not answer 200`);
      continue;
    }
    const text = await answer.text();
    for (const pattern of expected[kind]) if (!pattern.test(text)) problems.push(`${base}/metrics lacks ${pattern.source}`);
  }
  return { problems };
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
