// `npm run test:production`: Herald as production runs it, without Docker. Temporal's own server on
// PostgreSQL, Herald's database beside it, two API processes and two worker processes started as
// `npm run start:api` / `start:worker` start them (same node flags), and the local Graph stand-in. 1,000
// messages are scheduled through both APIs alternately; a third of the way, one worker is killed with
// SIGKILL and restarted 10 s later; two thirds of the way, the other API and the other worker get SIGTERM
// under load, and the client retries as the README says (same idempotency key, the other API). Then:
// every message READ, each recipient sent to exactly once, one debit each, no error reached the client,
// the ledger verifies. Prints a summary; exits 1 when anything is off.
import { randomUUID } from 'node:crypto';
import { heraldEnv, startHeraldProcess, waitForHttp, type HeraldProcess } from '../bench/lib/processes.ts';
import { tenantOverHttp } from '../bench/lib/fixtures.ts';
import { postEntry } from '../server/modules/billing/ledger.service.ts';
import { verifyLedger } from '../server/modules/billing/ledger-verify.ts';
import { startSandboxServer } from '../server/modules/whatsapp/sandbox-server.ts';
import { units } from '../server/shared/money.ts';
import { startEngines } from './lib/engines.ts';
import { callJson } from './lib/http-json.ts';
import { freePort } from '../server/shared/ports.ts';

const MESSAGES = Number(process.env.PRODUCTION_MESSAGES ?? 1000);
const say = (line: string) => process.stdout.write(`[production] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<boolean> {
  const started = Date.now();
  const engines = await startEngines('postgres', say, 'production');
  const processes: HeraldProcess[] = [];
  try {
    const temporalAddress = await engines.temporalAddress();
    const [portA, portB, metricsA, metricsB] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const apis = [`http://127.0.0.1:${portA}`, `http://127.0.0.1:${portB}`];
    const appSecret = randomUUID();
    const accessToken = `production-${randomUUID()}`;
    // Meta calls one webhook URL; here it is the first API (a load balancer would spread it).
    const meta = await startSandboxServer({
      webhookUrl: `${apis[0]}/webhook/meta`,
      appSecret,
      accessToken,
      delaysMs: { sent: 50, delivered: 100, read: 150 },
      log: { info() {}, warn() {}, error() {} },
    });
    // One environment for all four, as compose shares one: same database, Temporal, task queue, keys.
    const shared = heraldEnv(engines, temporalAddress, portA, {
      WHATSAPP_MODE: 'cloud',
      WHATSAPP_API_BASE_URL: meta.url,
      WHATSAPP_ACCESS_TOKEN: accessToken,
      WHATSAPP_APP_SECRET: appSecret,
      WHATSAPP_PHONE_NUMBER_ID: '106540352242922',
    });
    const start = (name: 'api' | 'worker', extra: Record<string, string>) => {
      const herald = startHeraldProcess(name, { ...shared, ...extra });
      processes.push(herald);
      return herald;
    };
    say('starting two APIs and two workers');
    start('api', { PORT: String(portA) });
    const apiB = start('api', { PORT: String(portB) });
    const workerA = start('worker', { WORKER_METRICS_PORT: String(metricsA) });
    const workerB = start('worker', { WORKER_METRICS_PORT: String(metricsB) });
    for (const api of apis) await waitForHttp(`${api}/readyz`);

    const contacts = Array.from({ length: MESSAGES }, (_, i) => ({ phone: `+1555888${String(1000 + i).padStart(4, '0')}`, name: `Reader ${i}` }));
    const { token, tenantId, templateId, contactIds } = await tenantOverHttp(apis[0]!, contacts);
    await postEntry(engines.orm.em.fork(), { tenantId, type: 'CREDIT', reason: 'TOPUP', amount: units(1_000_000_000n), description: 'production run' });

    say(`scheduling ${MESSAGES} messages through both APIs alternately; a worker is killed in the middle`);
    const count = async (sql: string) => Number((await engines.orm.em.fork().getConnection().execute<{ n: string }[]>(sql, [tenantId]))[0]!.n);
    const settled = () => count(`select count(*) as n from message where tenant_id = ? and status = 'READ'`);
    let killed = false;
    let terminated = false;
    let clientErrors = 0;
    let retried = 0;
    // The README's rule for callers: on no answer or a 5xx, send the same request (same key) again, here to the other API.
    const schedule = async (contactId: string, first: number) => {
      const body = { templateId, contactId, scheduleTime: new Date().toISOString(), idempotencyKey: randomUUID() };
      for (let attempt = 0; attempt < 4; attempt++) {
        try {
          return await callJson(`${apis[(first + attempt) % 2]}/messages/schedule`, 'POST', body, token);
        } catch (error) {
          const status = Number(/answered (\d{3})/.exec(String(error))?.[1] ?? 0);
          if (status >= 400 && status < 500 && status !== 429) break; // refused for a reason: retrying will not help
          retried++;
          await sleep(200 * (attempt + 1));
        }
      }
      clientErrors++;
      return undefined;
    };
    for (let i = 0; i < contactIds.length; i += 20) {
      await Promise.all(contactIds.slice(i, i + 20).map((contactId, j) => schedule(contactId, i + j)));
      if (!terminated && i >= (contactIds.length * 2) / 3) {
        terminated = true;
        say('SIGTERM to the second API and the second worker, under load');
        void apiB.stop();
        void workerB.stop();
      }
      if (!killed && i >= contactIds.length / 3) {
        killed = true;
        workerA.child.kill('SIGKILL');
        say(`worker killed (SIGKILL) with ${await settled()} messages READ; it restarts in 10 s`);
        setTimeout(() => {
          start('worker', { WORKER_METRICS_PORT: String(metricsA) });
          say('worker restarted');
        }, 10_000);
      }
    }
    const deadline = Date.now() + 10 * 60_000;
    while ((await settled()) < MESSAGES && Date.now() < deadline) await sleep(500);

    const byStatus = await engines.orm.em.fork().getConnection().execute<{ status: string; n: number }[]>(
      'select status, count(*)::int as n from message where tenant_id = ? group by status order by status',
      [tenantId],
    );
    const stored = await count('select count(*) as n from message where tenant_id = ?');
    const read = await settled();
    const debits = await count(`select count(*) as n from ledger_entry where tenant_id = ? and reason = 'MESSAGE'`);
    const sendsPerRecipient = new Map<string, number>();
    for (const record of meta.sent) if (record.httpStatus === 200) sendsPerRecipient.set(record.to, (sendsPerRecipient.get(record.to) ?? 0) + 1);
    const duplicates = [...sendsPerRecipient.values()].filter((sends) => sends > 1).length;
    const lost = contacts.filter((contact) => !sendsPerRecipient.has(contact.phone)).length;
    const ledger = await verifyLedger((sql) => engines.orm.em.fork().getConnection().execute(sql));
    const ok =
      stored === MESSAGES && read === MESSAGES && debits === MESSAGES && duplicates === 0 && lost === 0 && clientErrors === 0 && ledger.problems.length === 0;
    const summary = {
      messages: MESSAGES,
      stored,
      read,
      byStatus: Object.fromEntries(byStatus.map((row) => [row.status, row.n])),
      debits,
      duplicates,
      lost,
      clientErrors,
      clientRetries: retried,
      ledger: ledger.problems.length === 0 ? 'verifies' : `${ledger.problems.length} problems`,
      seconds: Math.round((Date.now() - started) / 1000),
    };
    say(`summary ${JSON.stringify(summary)}`);
    say(ok ? 'passed' : 'FAILED');
    await meta.close();
    return ok;
  } finally {
    for (const herald of processes.reverse()) await herald.stop();
    await engines.close();
  }
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
