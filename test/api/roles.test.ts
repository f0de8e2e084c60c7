import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '../../server/modules/users/user.entity.ts';
import { bearer, createTenantUser, registerTenant, superAdmin, type TenantAdmin } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { CONTRACT, fillPath } from './contract.ts';
import { admits, CALLERS, PROCEDURES, type Caller, type DeclaredProcedure } from './declared-roles.ts';

/** The README's route table (`| method | path | tRPC | who |`): per tRPC procedure, its method and who may call it. */
function readmeRoutes(): Map<string, { method: string; who: string }> {
  const lines = readFileSync(new URL('../../README.md', import.meta.url), 'utf8').split('\n');
  const start = lines.findIndex((line) => /^\| method \| path \| tRPC \| who \|$/.test(line));
  if (start < 0) throw new Error("README.md has no '| method | path | tRPC | who |' table");
  const rows = new Map<string, { method: string; who: string }>();
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const [method, , trpc, who] = line.split('|').slice(1, -1).map((cell) => cell.trim());
    for (const [, procedure] of trpc!.matchAll(/`([\w.]+)`/g)) rows.set(procedure!, { method: method!, who: who! });
  }
  return rows;
}

/** A README `who` cell as roles: `anyone` is public, else the role names it mentions (qualifiers such as "with `?tenantId=`" aside). */
const rolesInReadme = (who: string): string[] => (who.startsWith('anyone') ? ['public'] : [...who.matchAll(/\b(SUPER_ADMIN|SUB_ADMIN|ADMIN)\b/g)].map(([role]) => role!).sort());

describe('every procedure declares who may call it', () => {
  it('in its meta: public, or a non-empty list of known roles; public exactly where the OpenAPI meta asks for no token', () => {
    const walked = PROCEDURES.map(({ procedure }) => procedure);
    expect(walked, 'the walk reaches every procedure of the contract').toEqual(expect.arrayContaining(CONTRACT.map((route) => route.procedure)));
    for (const { procedure, meta } of PROCEDURES) {
      const roles = meta?.roles;
      expect(roles, `${procedure} declares roles`).toBeDefined();
      if (roles !== 'public') {
        expect(roles!.length, `${procedure} lets nobody in`).toBeGreaterThan(0);
        expect(roles!.filter((role) => !ROLES.includes(role)), `${procedure} names unknown roles`).toEqual([]);
        expect(new Set(roles).size, `${procedure} names a role twice`).toBe(roles!.length);
      }
      expect(meta?.openapi?.protect, `${procedure} openapi.protect`).toBe(roles !== 'public');
    }
  });

  it("as the README's route table says, for every procedure and no other", () => {
    const readme = readmeRoutes();
    expect([...readme.keys()].sort()).toEqual(PROCEDURES.map(({ procedure }) => procedure).sort());
    for (const { procedure, meta } of PROCEDURES) {
      const row = readme.get(procedure)!;
      const roles = meta!.roles === 'public' ? ['public'] : [...meta!.roles].sort();
      expect(rolesInReadme(row.who), `README row of ${procedure}: ${row.who}`).toEqual(roles);
      expect(row.method, `README method of ${procedure}`).toBe(meta!.openapi!.method);
    }
  });
});

/**
 * What the API answers, for every procedure of the router × every caller, over REST and over tRPC: anonymous
 * callers of a protected procedure get 401, roles it does not declare 403, the others get past the role check
 * (and, on the contract's routes, called with a valid request, its success status).
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

  const contractRoute = (procedure: string) => CONTRACT.find((route) => route.procedure === procedure);
  const pathParams = (declared: DeclaredProcedure) => [...declared.meta!.openapi!.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => name!);
  /** The contract's valid request; for another procedure, random ids for its path: enough to meet the role check. */
  const inputFor = async (declared: DeclaredProcedure): Promise<Record<string, unknown>> => ({
    ...Object.fromEntries(pathParams(declared).map((name) => [name, randomUUID()])),
    ...(await validInput(declared.procedure)),
  });

  const callRest = async (declared: DeclaredProcedure, caller: Caller) => {
    const { method, path: template } = declared.meta!.openapi!;
    const { path, rest: input } = fillPath({ path: template, pathParams: pathParams(declared) }, await inputFor(declared));
    const headers = caller === 'anonymous' ? {} : bearer(tokens[caller]!);
    if (method === 'GET') {
      const query = new URLSearchParams(input as Record<string, string>).toString();
      return rest(herald, 'GET', `${path}${query ? `?${query}` : ''}`, undefined, headers);
    }
    return rest(herald, method, path, input, headers);
  };

  const callTrpc = async (declared: DeclaredProcedure, caller: Caller) => {
    const input = await inputFor(declared);
    const headers = caller === 'anonymous' ? {} : bearer(tokens[caller]!);
    if (declared.type === 'query') {
      return rest(herald, 'GET', `/trpc/${declared.procedure}?input=${encodeURIComponent(JSON.stringify(input))}`, undefined, headers);
    }
    return rest(herald, 'POST', `/trpc/${declared.procedure}`, input, headers);
  };

  const expected = (declared: DeclaredProcedure, caller: Caller) =>
    admits(declared.meta!.roles, caller) ? 'let in' : caller === 'anonymous' ? 401 : 403;
  /** 401 and 403 as such; anything else got past the role check, which a fault (5xx) does not count as. */
  const outcome = (status: number) => (status === 401 || status === 403 ? status : status >= 500 ? `fault ${status}` : 'let in');

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

  for (const declared of PROCEDURES) {
    for (const caller of CALLERS) {
      it(`${declared.procedure} as ${caller}`, async () => {
        const want = expected(declared, caller);
        const route = contractRoute(declared.procedure);
        const viaRest = await callRest(declared, caller);
        expect(outcome(viaRest.status), `REST ${viaRest.status} ${JSON.stringify(viaRest.body)}`).toBe(want);
        if (want === 'let in' && route) expect(viaRest.status, `REST ${JSON.stringify(viaRest.body)}`).toBe(route.status);
        const viaTrpc = await callTrpc(declared, caller);
        expect(outcome(viaTrpc.status), `tRPC ${viaTrpc.status} ${JSON.stringify(viaTrpc.body)}`).toBe(want);
        if (want === 'let in' && route) expect(viaTrpc.status, `tRPC ${JSON.stringify(viaTrpc.body)}`).toBeLessThan(300);
      });
    }
  }
});
