import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTenantUser, registerTenant, superAdmin, type TenantAdmin } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { CONTRACT, fillPath, type Caller, type ContractRoute } from './contract.ts';

/**
 * The role table: every procedure × every caller (plus anonymous), over REST and over tRPC. Allowed
 * callers get a 2xx with a valid request; anonymous callers get 401; other roles get 403.
 */
describe('who may call what', () => {
  let herald: Harness;
  let tenant: TenantAdmin;
  const tokens: Partial<Record<Caller, string>> = {};
  let phone = 15550100000;
  let templateId: string;
  let contactId: string;

  const uid = () => randomUUID().slice(0, 8);
  const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();
  /** A message of the tenant waiting an hour, fresh for each call (a cancelled one cannot be cancelled again). */
  const waitingMessage = async (): Promise<string> => {
    const body = { templateId, contactId, scheduleTime: inAnHour(), idempotencyKey: randomUUID() };
    const scheduled = await rest(herald, 'POST', '/messages/schedule', body, bearer(tenant.token));
    if (scheduled.status !== 201) throw new Error(`schedule answered ${scheduled.status}: ${JSON.stringify(scheduled.body)}`);
    return scheduled.body.id;
  };
  const validInput = async (procedure: string): Promise<Record<string, unknown>> => {
    switch (procedure) {
      case 'auth.registerTenant':
        return { tenantName: 'Role Test', slug: `role-${uid()}`, adminEmail: `r-${uid()}@example.com`, adminPassword: 'password123', adminName: 'R' };
      case 'auth.login':
        return { email: tenant.email, password: tenant.password };
      case 'users.create':
        return { email: `u-${uid()}@example.com`, password: 'password123', name: 'U', role: 'SUB_ADMIN' };
      case 'contacts.import':
        return { contacts: [{ phone: `+${phone++}`, name: 'Role Test' }] };
      case 'templates.create':
        return { name: `role_${uid()}`, content: 'Hi {{1}}', variables: ['name'], metaTemplateId: 'meta_1', status: 'APPROVED' };
      case 'billing.addCredits':
        return { tenantId: tenant.tenantId, amount: '1.5', description: 'role table' };
      case 'billing.balance':
      case 'billing.ledger':
        return { tenantId: tenant.tenantId };
      case 'messages.schedule':
        return { templateId, contactId, scheduleTime: inAnHour(), idempotencyKey: randomUUID(), parameters: { name: 'Role' } };
      case 'messages.get':
      case 'messages.cancel':
        return { id: await waitingMessage() };
      case 'messages.reschedule':
        return { id: await waitingMessage(), scheduleTime: inAnHour() };
      default:
        return {};
    }
  };

  const callRest = async (route: ContractRoute, caller: Caller) => {
    const { path, rest: input } = fillPath(route, await validInput(route.procedure));
    const headers = caller === 'anonymous' ? {} : bearer(tokens[caller]!);
    if (route.method === 'GET') {
      const query = new URLSearchParams(input as Record<string, string>).toString();
      return rest(herald, 'GET', `${path}${query ? `?${query}` : ''}`, undefined, headers);
    }
    return rest(herald, 'POST', path, input, headers);
  };

  const callTrpc = async (route: ContractRoute, caller: Caller) => {
    const input = await validInput(route.procedure);
    const headers = caller === 'anonymous' ? {} : bearer(tokens[caller]!);
    if (route.method === 'GET') {
      return rest(herald, 'GET', `/trpc/${route.procedure}?input=${encodeURIComponent(JSON.stringify(input))}`, undefined, headers);
    }
    return rest(herald, 'POST', `/trpc/${route.procedure}`, input, headers);
  };

  const expected = (route: ContractRoute, caller: Caller) =>
    route.allowed.includes(caller) ? 'allowed' : caller === 'anonymous' ? 401 : 403;
  const outcome = (status: number) => (status >= 200 && status < 300 ? 'allowed' : status);

  beforeAll(async () => {
    // A worker answers the message workflows' cancel and reschedule updates.
    herald = await startHarness({ worker: true });
    tenant = await registerTenant(herald);
    tokens.ADMIN = tenant.token;
    tokens.SUB_ADMIN = (await createTenantUser(herald, tenant, 'SUB_ADMIN')).token;
    tokens.SUPER_ADMIN = (await superAdmin(herald)).token;
    const template = await rest(herald, 'POST', '/templates', await validInput('templates.create'), bearer(tenant.token));
    templateId = template.body.id;
    await rest(herald, 'POST', '/contacts/import', await validInput('contacts.import'), bearer(tenant.token));
    contactId = (await rest(herald, 'GET', '/contacts', undefined, bearer(tenant.token))).body.items[0].id;
  });
  afterAll(() => herald?.close());

  const callers: Caller[] = ['anonymous', 'SUB_ADMIN', 'ADMIN', 'SUPER_ADMIN'];
  for (const route of CONTRACT) {
    for (const caller of callers) {
      it(`${route.method} ${route.path} as ${caller}`, async () => {
        const want = expected(route, caller);
        const viaRest = await callRest(route, caller);
        expect(outcome(viaRest.status), `REST ${JSON.stringify(viaRest.body)}`).toBe(want);
        if (want === 'allowed') expect(viaRest.status).toBe(route.status);
        const viaTrpc = await callTrpc(route, caller);
        expect(outcome(viaTrpc.status), `tRPC ${JSON.stringify(viaTrpc.body)}`).toBe(want);
      });
    }
  }
});
