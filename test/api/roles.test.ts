import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTenantUser, registerTenant, superAdmin, type TenantAdmin } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { CONTRACT, type Caller, type ContractRoute } from './contract.ts';

/**
 * The role table: every procedure × every caller (plus anonymous), over REST and over tRPC. Allowed
 * callers get a 2xx with a valid request; anonymous callers get 401; other roles get 403.
 */
describe('who may call what', () => {
  let herald: Harness;
  let tenant: TenantAdmin;
  const tokens: Partial<Record<Caller, string>> = {};
  let phone = 15550100000;

  const uid = () => randomUUID().slice(0, 8);
  const validInput = (procedure: string): Record<string, unknown> => {
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
      default:
        return {};
    }
  };

  const callRest = (route: ContractRoute, caller: Caller) => {
    const input = validInput(route.procedure);
    const headers = caller === 'anonymous' ? {} : bearer(tokens[caller]!);
    if (route.method === 'GET') {
      const query = new URLSearchParams(input as Record<string, string>).toString();
      return rest(herald, 'GET', `${route.path}${query ? `?${query}` : ''}`, undefined, headers);
    }
    return rest(herald, 'POST', route.path, input, headers);
  };

  const callTrpc = (route: ContractRoute, caller: Caller) => {
    const input = validInput(route.procedure);
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
    herald = await startHarness();
    tenant = await registerTenant(herald);
    tokens.ADMIN = tenant.token;
    tokens.SUB_ADMIN = (await createTenantUser(herald, tenant, 'SUB_ADMIN')).token;
    tokens.SUPER_ADMIN = (await superAdmin(herald)).token;
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
