import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTenantUser, registerTenant, superAdmin, type TenantAdmin } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';

/**
 * Tenant isolation: another tenant's object is a 404 exactly like an object that does not exist,
 * and no list ever shows another tenant's rows.
 */
describe("one tenant never reaches another tenant's data", () => {
  let herald: Harness;
  let acme: TenantAdmin;
  let globex: TenantAdmin;
  let globexSub: string;
  let acmeMessage: string;

  beforeAll(async () => {
    herald = await startHarness();
    acme = await registerTenant(herald, 'Acme');
    globex = await registerTenant(herald, 'Globex');
    globexSub = (await createTenantUser(herald, globex, 'SUB_ADMIN')).token;
    const operator = await superAdmin(herald);
    await rest(herald, 'POST', '/contacts/import', { contacts: [{ phone: '+15550001111', name: 'Acme Secret' }] }, bearer(acme.token));
    const template = await rest(
      herald,
      'POST',
      '/templates',
      { name: 'acme_only', content: 'Hi {{1}}', variables: ['name'], metaTemplateId: 'm', status: 'APPROVED' },
      bearer(acme.token),
    );
    await rest(herald, 'POST', '/billing/add-credits', { tenantId: acme.tenantId, amount: 42, description: 'acme money' }, bearer(operator.token));
    // A message Acme scheduled an hour ahead: still waiting, so cancel and reschedule would be allowed to Acme.
    const contactId = (await rest(herald, 'GET', '/contacts', undefined, bearer(acme.token))).body.items[0].id;
    const scheduleTime = new Date(Date.now() + 3600_000).toISOString();
    const body = { templateId: template.body.id, contactId, scheduleTime, idempotencyKey: 'acme-1' };
    acmeMessage = (await rest(herald, 'POST', '/messages/schedule', body, bearer(acme.token))).body.id;
  });
  afterAll(() => herald?.close());

  // Every route that takes an id, called by Globex with Acme's id and with an id that exists nowhere.
  const later = { scheduleTime: new Date(Date.now() + 2 * 3600_000).toISOString() };
  const ID_ROUTES: { name: string; method: 'GET' | 'POST'; path: (id: string) => string; acmeId: () => string; body?: object }[] = [
    { name: 'balance of another tenant', method: 'GET', path: (id) => `/billing/balance?tenantId=${id}`, acmeId: () => acme.tenantId },
    { name: 'ledger of another tenant', method: 'GET', path: (id) => `/billing/ledger?tenantId=${id}`, acmeId: () => acme.tenantId },
    { name: 'message of another tenant', method: 'GET', path: (id) => `/messages/${id}`, acmeId: () => acmeMessage },
    { name: 'cancelling a message of another tenant', method: 'POST', path: (id) => `/messages/${id}/cancel`, acmeId: () => acmeMessage, body: {} },
    { name: 'rescheduling a message of another tenant', method: 'POST', path: (id) => `/messages/${id}/reschedule`, acmeId: () => acmeMessage, body: later },
  ];

  for (const route of ID_ROUTES) {
    it(`${route.name}: 404, the same as for an id that does not exist`, async () => {
      const foreign = await rest(herald, route.method, route.path(route.acmeId()), route.body, bearer(globex.token));
      const missing = await rest(herald, route.method, route.path(randomUUID()), route.body, bearer(globex.token));
      expect(foreign.status).toBe(404);
      expect(missing.status).toBe(404);
      expect(foreign.body).toEqual(missing.body);
    });
  }

  it("lists only the caller's tenant's rows", async () => {
    for (const token of [globex.token, globexSub]) {
      const contacts = await rest(herald, 'GET', '/contacts?limit=100', undefined, bearer(token));
      expect(contacts.status).toBe(200);
      expect(JSON.stringify(contacts.body)).not.toContain('Acme Secret');
      const templates = await rest(herald, 'GET', '/templates?limit=100', undefined, bearer(token));
      expect(JSON.stringify(templates.body)).not.toContain('acme_only');
    }
    const users = await rest(herald, 'GET', '/users?limit=100', undefined, bearer(globex.token));
    expect(users.body.items.every((user: { tenantId: string }) => user.tenantId === globex.tenantId)).toBe(true);
    const messages = await rest(herald, 'GET', '/messages?limit=100', undefined, bearer(globexSub));
    expect(messages.body.items).toEqual([]);
    const ledger = await rest(herald, 'GET', '/billing/ledger', undefined, bearer(globex.token));
    expect(ledger.body.items).toEqual([]);
    const balance = await rest(herald, 'GET', '/billing/balance', undefined, bearer(globex.token));
    expect(balance.body).toEqual({ tenantId: globex.tenantId, balance: '0.0000' });
  });

  it('still shows Acme its own data (control)', async () => {
    const contacts = await rest(herald, 'GET', '/contacts', undefined, bearer(acme.token));
    expect(JSON.stringify(contacts.body)).toContain('Acme Secret');
    const balance = await rest(herald, 'GET', '/billing/balance', undefined, bearer(acme.token));
    expect(balance.body.balance).toBe('42.0000');
    // Globex's cancel and reschedule attempts above changed nothing.
    const message = await rest(herald, 'GET', `/messages/${acmeMessage}`, undefined, bearer(acme.token));
    expect(message.status).toBe(200);
    expect(message.body).toMatchObject({ status: 'SCHEDULED', history: [expect.objectContaining({ status: 'SCHEDULED' })] });
    expect(message.body.scheduleTime).not.toBe(later.scheduleTime);
  });

  it('refuses to import into another tenant by naming it in the body', async () => {
    const response = await rest(
      herald,
      'POST',
      '/contacts/import',
      { tenantId: acme.tenantId, contacts: [{ phone: '+15550002222' }] },
      bearer(globex.token),
    );
    expect(response.status).toBe(400);
  });
});
