// A throwaway Herald for the fuzz run, started as the test suite does: a fresh embedded PostgreSQL, a
// Temporal dev server, then the real API (sandbox mode, simulator mounted) and worker on free ports.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/config.ts';
import { createLogger, openDatabase, startApi, startHeraldWorker } from '../../server/runtime.ts';
import { freePort } from './ports.ts';
import { startEmbeddedPostgres } from './postgres.ts';
import { findTemporalCli, startTemporalDevServer } from './temporal.ts';

export interface FuzzHerald {
  url: string;
  scratch: string;
  operator: { email: string; password: string };
  stop(): Promise<void>;
}

export async function startFuzzHerald(say: (line: string) => void): Promise<FuzzHerald> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch((error: unknown) => say(`while stopping: ${String(error)}`));
  };
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'herald-fuzz-'));
  // As root, PostgreSQL runs as another user that must reach its data directory.
  await chmod(scratch, 0o755);
  stops.push(() => rm(scratch, { recursive: true, force: true }));
  try {
    const postgres = await startEmbeddedPostgres({
      dataDir: path.join(scratch, 'postgres', 'data'),
      port: await freePort(),
      database: 'herald_fuzz',
      persistent: false,
    });
    stops.push(() => postgres.stop());
    const temporal = await startTemporalDevServer({
      cli: findTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH, log: say }),
      port: await freePort(),
      namespace: 'default',
      logFile: path.join(scratch, 'temporal.log'),
    });
    stops.push(() => temporal.stop());

    const operator = { email: 'fuzz-operator@example.com', password: 'fuzz-operator-password' };
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'fatal',
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      HERALD_DATA_DIR: scratch,
      DATABASE_URL: postgres.url,
      TEMPORAL_ADDRESS: temporal.address,
      WHATSAPP_MODE: 'sandbox',
      SUPER_ADMIN_EMAIL: operator.email,
      SUPER_ADMIN_PASSWORD: operator.password,
    });
    const logger = createLogger(config, 'herald-fuzz');
    const endpoints = { databaseUrl: postgres.url, temporalAddress: temporal.address };
    const orm = await openDatabase(postgres.url, logger);
    stops.push(() => orm.close());
    const worker = await startHeraldWorker(config, endpoints, orm, logger);
    stops.push(() => worker.stop());
    const api = await startApi(config, endpoints, orm, logger);
    stops.push(() => api.close());
    return { url: `http://127.0.0.1:${config.PORT}`, scratch, operator, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function call(url: string, method: string, body?: unknown, token?: string) {
  const response = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await response.json()) as any;
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

/**
 * A fresh tenant with credits, an APPROVED template and a contact, so the fuzzer reaches past the empty
 * cases; one message is delivered first, proving the sandbox wiring before any case runs.
 */
export async function seedTenant(herald: FuzzHerald): Promise<{ token: string; tenantId: string }> {
  const api = (pathName: string) => `${herald.url}${pathName}`;
  const registered = await call(api('/auth/register-tenant'), 'POST', {
    tenantName: 'Fuzz Corp',
    slug: 'fuzz-corp',
    adminEmail: 'admin@fuzz.example.com',
    adminPassword: 'fuzz-admin-password',
    adminName: 'Fuzz Admin',
  });
  const token: string = registered.token;
  const tenantId: string = registered.tenant.id;
  const operator = await call(api('/auth/login'), 'POST', herald.operator);
  await call(api('/billing/add-credits'), 'POST', { tenantId, amount: '1000.00', description: 'fuzz run' }, operator.token);
  await call(api('/templates'), 'POST', { name: 'welcome_message', content: 'Hello {{1}}, welcome!', variables: ['name'], metaTemplateId: 'meta_fuzz', status: 'APPROVED' }, token);
  await call(api('/contacts/import'), 'POST', { contacts: [{ phone: '+15551234567', name: 'Alice' }] }, token);
  await deliverOne(api, token);
  return { token, tenantId };
}

/** One message through the real path (worker → mounted sandbox with the generated token → webhooks) to READ. */
async function deliverOne(api: (pathName: string) => string, token: string): Promise<void> {
  const [template] = (await call(api('/templates'), 'GET', undefined, token)).items;
  const [contact] = (await call(api('/contacts'), 'GET', undefined, token)).items;
  const body = { templateId: template.id, contactId: contact.id, scheduleTime: new Date().toISOString(), idempotencyKey: 'fuzz-smoke' };
  const message = await call(api('/messages/schedule'), 'POST', body, token);
  const deadline = Date.now() + 60_000;
  for (let status = message.status; status !== 'READ'; ) {
    if (Date.now() > deadline || status === 'FAILED') throw new Error(`the smoke message ended ${status}, not READ`);
    await new Promise((resolve) => setTimeout(resolve, 250));
    status = (await call(api(`/messages/${message.id}`), 'GET', undefined, token)).status;
  }
}
