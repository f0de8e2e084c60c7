import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { loadConfig } from '../server/config.ts';
import type { Orm } from '../server/db/orm.ts';
import { TENANT_FILTER } from '../server/db/tenant-scope.ts';
import { buildApp } from '../server/http/app.ts';
import { postEntry } from '../server/modules/billing/ledger.service.ts';
import { importContacts } from '../server/modules/contacts/contacts.service.ts';
import { scheduleMessage } from '../server/modules/messages/schedule.service.ts';
import { Template } from '../server/modules/templates/template.entity.ts';
import { Tenant } from '../server/modules/tenants/tenant.entity.ts';
import { createGraphClient } from '../server/modules/whatsapp/graph-client.ts';
import { startSandboxServer } from '../server/modules/whatsapp/sandbox.ts';
import { buildServices } from '../server/runtime.ts';
import { installTemporalLogging } from '../server/temporal/logging.ts';
import { startWorker } from '../server/temporal/worker.ts';
import { units } from '../server/shared/money.ts';

export interface ThroughputResult {
  messages: number;
  scheduleSeconds: number;
  settleSeconds: number;
  settledPerSecond: number;
  /** Median and p95 milliseconds of each step, from the messages' own status history. */
  phases: { name: string; medianMs: number; p95Ms: number }[];
}

const quiet = pino({ level: 'silent' });

/**
 * N messages to ordinary sandbox numbers, all due now, through the real path: scheduleMessage (as the
 * API), one workflow each on a real Temporal server, the locked debit, the Graph API client against the
 * local sandbox, signed webhooks back into the API. "Settled" is READ, the last status of a message.
 */
export async function benchMessageThroughput(
  orm: Orm,
  endpoints: { databaseUrl: string; temporalAddress: string },
  options: { messages: number; concurrency: number },
): Promise<ThroughputResult> {
  installTemporalLogging(quiet);
  const config = loadConfig({
    DATABASE_URL: endpoints.databaseUrl,
    TEMPORAL_ADDRESS: endpoints.temporalAddress,
    TEMPORAL_TASK_QUEUE: `bench-${randomUUID()}`,
    LOG_LEVEL: 'silent',
    HERALD_DATA_DIR: `${process.env.TMPDIR ?? '/tmp'}/herald-bench-keys`,
  });
  const services = await buildServices(config, endpoints, orm, quiet);
  const app = await buildApp(services, { logger: false, mountSandbox: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const apiUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  // Meta's own latencies are not Herald's: the simulator answers statuses after 50/100/150 ms.
  const sandbox = await startSandboxServer({
    webhookUrl: `${apiUrl}/webhook/meta`,
    appSecret: services.webhookSecret!,
    delaysMs: { sent: 50, delivered: 100, read: 150 },
    log: { info() {}, warn() {}, error() {} },
  });
  const worker = await startWorker(
    { address: endpoints.temporalAddress, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE },
    { orm, whatsapp: createGraphClient({ ...config.whatsapp, accessToken: sandbox.accessToken, baseUrl: sandbox.url }), prices: config.prices },
  );

  try {
    const tenantId = randomUUID();
    const setup = orm.em.fork();
    setup.create(Tenant, { id: tenantId, name: 'Throughput', slug: `throughput-${tenantId.slice(0, 8)}`, balance: 0n });
    await setup.flush();
    await postEntry(orm.em.fork(), { tenantId, type: 'CREDIT', reason: 'TOPUP', amount: units(10_000_000n), description: 'bench' });
    const template = setup.create(Template, {
      id: randomUUID(), tenantId, name: 'bench_message', language: 'en_US', category: 'UTILITY', status: 'APPROVED',
      content: 'Hello {{1}}', variables: ['name'], metaTemplateId: 'bench',
    });
    await setup.flush();
    const phones = Array.from({ length: options.messages }, (_, i) => ({ phone: `+1555900${1000 + i}`, name: `Reader ${i}` }));
    const scoped = orm.em.fork();
    scoped.setFilterParams(TENANT_FILTER, { tenantId });
    await importContacts(scoped, tenantId, phones);
    const contactIds = (await scoped.getConnection().execute<{ id: string }[]>('select id from contact where tenant_id = ? order by phone', [tenantId])).map((row) => row.id);

    const settings = { temporal: services.temporal, taskQueue: config.TEMPORAL_TASK_QUEUE, statusWaitMs: 600_000 };
    const started = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < contactIds.length; i += options.concurrency) {
      const batch = await Promise.all(
        contactIds.slice(i, i + options.concurrency).map((contactId) => {
          const em = orm.em.fork();
          em.setFilterParams(TENANT_FILTER, { tenantId });
          return scheduleMessage(em, settings, tenantId, {
            templateId: template.id, contactId, scheduleTime: new Date(), idempotencyKey: randomUUID(), parameters: {},
          });
        }),
      );
      ids.push(...batch.map((result) => result.message.id));
    }
    const scheduled = performance.now();

    const count = async () =>
      Number((await orm.em.fork().getConnection().execute<{ n: string }[]>(`select count(*) as n from message where tenant_id = ? and status = 'READ'`, [tenantId]))[0]!.n);
    while ((await count()) < options.messages) {
      if (performance.now() - started > 600_000) throw new Error('messages did not settle within 10 minutes');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const settled = performance.now();

    return {
      messages: options.messages,
      scheduleSeconds: (scheduled - started) / 1000,
      settleSeconds: (settled - started) / 1000,
      settledPerSecond: options.messages / ((settled - started) / 1000),
      phases: await phaseTimings(orm, tenantId),
    };
  } finally {
    await app.close();
    await sandbox.close();
    await worker.stop();
    await services.temporal.connection.close();
  }
}

/** Where the time goes, from each message's history (Herald's own clock for every step). */
async function phaseTimings(orm: Orm, tenantId: string) {
  const rows = await orm.em.fork().getConnection().execute<{ name: string; median: number; p95: number }[]>(
    `with steps as (
       select m.id,
         min(e.occurred_at) filter (where e.status = 'SCHEDULED' and e.source = 'API') as scheduled,
         min(e.occurred_at) filter (where e.status = 'DISPATCHING') as debited,
         min(e.occurred_at) filter (where e.status = 'SENT' and e.source = 'WORKFLOW') as accepted,
         max(e.recorded_at) filter (where e.status = 'READ') as read
       from message m join message_status_event e on e.message_id = m.id
       where m.tenant_id = ? group by m.id),
     phases as (
       select 'scheduled → debited (timer, workflow start, locked debit)' as name, extract(epoch from debited - scheduled) * 1000 as ms from steps
       union all select 'debited → accepted by WhatsApp (send activity)', extract(epoch from accepted - debited) * 1000 from steps
       union all select 'accepted → READ recorded (simulated Meta + webhook)', extract(epoch from read - accepted) * 1000 from steps)
     select name, percentile_cont(0.5) within group (order by ms) as median, percentile_cont(0.95) within group (order by ms) as p95
     from phases group by name order by min(ms)`,
    [tenantId],
  );
  return rows.map((row) => ({ name: row.name, medianMs: Number(row.median), p95Ms: Number(row.p95) }));
}
