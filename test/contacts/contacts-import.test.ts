import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTenantUser, registerTenant, type TenantAdmin } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';

const seedImport = {
  contacts: [
    { phone: '+15551234567', name: 'Alice', attributes: { city: 'NY' } },
    { phone: '+15559876543', name: 'Bob' },
  ],
};

describe('importing contacts', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness();
  });
  afterAll(() => herald?.close());

  const importAs = (token: string, body: unknown) => rest(herald, 'POST', '/contacts/import', body, bearer(token));
  const listAll = async (admin: TenantAdmin, query = 'limit=100') =>
    (await rest(herald, 'GET', `/contacts?${query}`, undefined, bearer(admin.token))).body.items;

  it("imports the documentation's example exactly as written", async () => {
    const admin = await registerTenant(herald);
    const response = await importAs(admin.token, seedImport);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ imported: 2, skipped: 0, invalid: [] });

    const items = await listAll(admin);
    expect(items).toEqual([
      { id: expect.any(String), phone: '+15551234567', name: 'Alice', attributes: { city: 'NY' }, optedOut: false, optOut: 'NONE', createdAt: expect.any(String) },
      { id: expect.any(String), phone: '+15559876543', name: 'Bob', attributes: {}, optedOut: false, optOut: 'NONE', createdAt: expect.any(String) },
    ]);
  });

  it('stores phones in E.164 whatever the spelling, and 00 counts as +', async () => {
    const admin = await registerTenant(herald);
    const response = await importAs(admin.token, {
      contacts: [{ phone: '+44 20 7946 0958' }, { phone: '+1 (555) 010-2030' }, { phone: '0033 6 12 34 56 78' }],
    });
    expect(response.body).toEqual({ imported: 3, skipped: 0, invalid: [] });
    expect((await listAll(admin)).map((c: { phone: string }) => c.phone)).toEqual(['+442079460958', '+15550102030', '+33612345678']);
  });

  it('lists bad items with their index and reason, and imports the rest', async () => {
    const admin = await registerTenant(herald);
    const response = await importAs(admin.token, {
      contacts: [
        { phone: '+15551110001', name: 'Good One' },
        { phone: '+1555' },
        { phone: 'not a number' },
        { phone: '5551110002' },
        { phone: '+15551110003', name: 'x'.repeat(201) },
        { phone: '+15551110004', attributes: { tags: ['vip'] } },
        { phone: '+15551110005', nickname: 'Al' },
        'just a string',
        { phone: '+49 1234 5678901234' },
        { phone: '+15551110006', name: 'Good Two' },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body.imported).toBe(2);
    expect(response.body.skipped).toBe(0);
    expect(response.body.invalid).toEqual([
      { index: 1, reason: expect.stringMatching(/impossible number/) },
      { index: 2, reason: 'phone is not a phone number' },
      { index: 3, reason: expect.stringMatching(/international/) },
      { index: 4, reason: expect.stringMatching(/name is too long/) },
      { index: 5, reason: expect.stringMatching(/attributes must be an object of string values/) },
      { index: 6, reason: expect.stringMatching(/unknown field "nickname"/) },
      { index: 7, reason: expect.stringMatching(/must be an object/) },
      { index: 8, reason: expect.stringMatching(/more than the 15 digits/) },
    ]);
    expect((await listAll(admin)).map((c: { name: string }) => c.name)).toEqual(['Good One', 'Good Two']);
  });

  it('skips duplicates within a batch and against earlier imports, keeping the first', async () => {
    const admin = await registerTenant(herald);
    const first = await importAs(admin.token, {
      contacts: [{ phone: '+15552220001', name: 'First' }, { phone: '+1 555 222 0001', name: 'Same number' }],
    });
    expect(first.body).toEqual({ imported: 1, skipped: 1, invalid: [] });
    const again = await importAs(admin.token, { contacts: [{ phone: '0015552220001', name: 'Again' }, { phone: '+15552220002' }] });
    expect(again.body).toEqual({ imported: 1, skipped: 1, invalid: [] });
    const items = await listAll(admin);
    expect(items.map((c: { phone: string; name: string | null }) => [c.phone, c.name])).toEqual([
      ['+15552220001', 'First'],
      ['+15552220002', null],
    ]);
  });

  it("lets another tenant hold the same phone, and never shows it the first tenant's contacts", async () => {
    const acme = await registerTenant(herald, 'Acme');
    const globex = await registerTenant(herald, 'Globex');
    await importAs(acme.token, seedImport);
    const response = await importAs(globex.token, { contacts: [{ phone: '+15551234567', name: 'Alice at Globex' }] });
    expect(response.body).toEqual({ imported: 1, skipped: 0, invalid: [] });

    expect((await listAll(globex)).map((c: { name: string }) => c.name)).toEqual(['Alice at Globex']);
    expect((await listAll(acme)).map((c: { name: string }) => c.name)).toEqual(['Alice', 'Bob']);
    expect(await listAll(globex, 'search=Bob')).toEqual([]);
  });

  it('lets a SUB_ADMIN import and list, and keeps the super admin and strangers out', async () => {
    const admin = await registerTenant(herald);
    const operator = await createTenantUser(herald, admin, 'SUB_ADMIN');
    const response = await importAs(operator.token, seedImport);
    expect(response.body).toEqual({ imported: 2, skipped: 0, invalid: [] });
    const listed = await rest(herald, 'GET', '/contacts', undefined, bearer(operator.token));
    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(2);

    expect((await rest(herald, 'POST', '/contacts/import', seedImport)).status).toBe(401);
    expect((await rest(herald, 'GET', '/contacts')).status).toBe(401);
  });

  it('takes 10,000 contacts in one request and refuses 10,001 with 400', async () => {
    const admin = await registerTenant(herald);
    const contacts = Array.from({ length: 10_001 }, (_, i) => ({ phone: `+1555${String(i).padStart(7, '0')}` }));
    const tooMany = await importAs(admin.token, { contacts });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.data.issues).toEqual([{ path: 'contacts', message: 'at most 10,000 contacts per request' }]);
    expect(await listAll(admin)).toEqual([]);

    const allowed = await importAs(admin.token, { contacts: contacts.slice(0, 10_000) });
    expect(allowed.status).toBe(200);
    expect(allowed.body).toEqual({ imported: 10_000, skipped: 0, invalid: [] });
  });

  it('counts every phone once when two imports of the same people race', async () => {
    const admin = await registerTenant(herald);
    const contacts = Array.from({ length: 500 }, (_, i) => ({ phone: `+1555030${String(i).padStart(4, '0')}` }));
    const [left, right] = await Promise.all([importAs(admin.token, { contacts }), importAs(admin.token, { contacts })]);
    expect([left.status, right.status]).toEqual([200, 200]);
    expect(left.body.imported + right.body.imported).toBe(500);
    expect(left.body.skipped + right.body.skipped).toBe(500);
  });

  it('refuses a request of the wrong shape with 400', async () => {
    const admin = await registerTenant(herald);
    for (const body of [{}, { contacts: 'everyone' }, { contacts: [], dryRun: true }, [{ phone: '+15551234567' }]]) {
      const response = await importAs(admin.token, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.code).toBe('BAD_REQUEST');
    }
    expect((await importAs(admin.token, '{"contacts": [')).status).toBe(400);
    expect(await listAll(admin)).toEqual([]);
  });
});
