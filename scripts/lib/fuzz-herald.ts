// A throwaway Herald for the fuzz run, started as the test suite does: a fresh embedded PostgreSQL, a
// Temporal dev server, then the real API (sandbox mode, simulator mounted) and worker on free ports.
import { loadConfig } from '../../server/config.ts';
import { createLogger, startApi, startHeraldWorker } from '../../server/runtime.ts';
import { startEngines } from './engines.ts';
import { callJson } from './http-json.ts';
import { freePort } from '../../server/shared/ports.ts';

export interface FuzzHerald {
  url: string;
  scratch: string;
  operator: { email: string; password: string };
  stop(): Promise<void>;
}

export async function startFuzzHerald(say: (line: string) => void): Promise<FuzzHerald> {
  const engines = await startEngines('dev', say, 'fuzz');
  const stops: (() => Promise<void>)[] = [() => engines.close()];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch((error: unknown) => say(`while stopping: ${String(error)}`));
  };
  try {
    const temporalAddress = await engines.temporalAddress();
    const operator = { email: 'fuzz-operator@example.com', password: 'fuzz-operator-password' };
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'fatal',
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      HERALD_DATA_DIR: engines.scratch,
      DATABASE_URL: engines.databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      WHATSAPP_MODE: 'sandbox',
      SUPER_ADMIN_EMAIL: operator.email,
      SUPER_ADMIN_PASSWORD: operator.password,
      // No fixed metrics port: fuzz runs may overlap with a local worker on 9464.
      WORKER_METRICS_PORT: '0',
    });
    const logger = createLogger(config, 'herald-fuzz');
    const endpoints = { databaseUrl: engines.databaseUrl, temporalAddress };
    const worker = await startHeraldWorker(config, endpoints, engines.orm, logger);
    stops.push(() => worker.stop());
    const api = await startApi(config, endpoints, engines.orm, logger);
    stops.push(() => api.close());
    return { url: `http://127.0.0.1:${config.PORT}`, scratch: engines.scratch, operator, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * A fresh tenant with credits, an APPROVED template and a contact, so the fuzzer reaches past the empty
 * cases; one message is delivered first, proving the sandbox wiring before any case runs.
 */
export async function seedTenant(herald: FuzzHerald): Promise<{ token: string; tenantId: string }> {
  const api = (pathName: string) => `${herald.url}${pathName}`;
  const registered = await callJson(api('/auth/register-tenant'), 'POST', {
    tenantName: 'Fuzz Corp',
    slug: 'fuzz-corp',
    adminEmail: 'admin@fuzz.example.com',
    adminPassword: 'fuzz-admin-password',
    adminName: 'Fuzz Admin',
  });
  const token: string = registered.token;
  const tenantId: string = registered.tenant.id;
  const operator = await callJson(api('/auth/login'), 'POST', herald.operator);
  await callJson(api('/billing/add-credits'), 'POST', { tenantId, amount: '1000.00', description: 'fuzz run' }, operator.token);
  await callJson(api('/templates'), 'POST', { name: 'welcome_message', content: 'Hello {{1}}, welcome!', variables: ['name'], metaTemplateId: 'meta_fuzz', status: 'APPROVED' }, token);
  await callJson(api('/contacts/import'), 'POST', { contacts: [{ phone: '+15551234567', name: 'Alice' }] }, token);
  await deliverOne(api, token);
  return { token, tenantId };
}

/** One message through the real path (worker → mounted sandbox with the generated token → webhooks) to READ. */
async function deliverOne(api: (pathName: string) => string, token: string): Promise<void> {
  const [template] = (await callJson(api('/templates'), 'GET', undefined, token)).items;
  const [contact] = (await callJson(api('/contacts'), 'GET', undefined, token)).items;
  const body = { templateId: template.id, contactId: contact.id, scheduleTime: new Date().toISOString(), idempotencyKey: 'fuzz-smoke' };
  const message = await callJson(api('/messages/schedule'), 'POST', body, token);
  const deadline = Date.now() + 60_000;
  for (let status = message.status; status !== 'READ'; ) {
    if (Date.now() > deadline || status === 'FAILED') throw new Error(`the smoke message ended ${status}, not READ`);
    await new Promise((resolve) => setTimeout(resolve, 250));
    status = (await callJson(api(`/messages/${message.id}`), 'GET', undefined, token)).status;
  }
}
