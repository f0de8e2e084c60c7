import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, registerTenant, type TenantAdmin } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';

interface ContactView {
  id: string;
  phone: string;
  name: string | null;
}

describe('listing contacts', () => {
  let herald: Harness;
  let admin: TenantAdmin;
  const list = (query: string, who: TenantAdmin = admin) => rest(herald, 'GET', `/contacts?${query}`, undefined, bearer(who.token));
  const names = async (query: string) => (await list(query)).body.items.map((c: ContactView) => c.name);

  beforeAll(async () => {
    herald = await startHarness();
    admin = await registerTenant(herald);
    // Two imports, so the pages cross a batch boundary.
    const batch = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => ({ phone: `+1555010${String(from + i).padStart(4, '0')}`, name: `Person ${from + i}` }));
    for (const contacts of [batch(0, 15), batch(15, 25)]) {
      const response = await rest(herald, 'POST', '/contacts/import', { contacts }, bearer(admin.token));
      expect(response.body.imported).toBe(contacts.length);
    }
  });
  afterAll(() => herald?.close());

  it('walks every page once, in import order, without repeats or gaps', async () => {
    const seen: ContactView[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = null;
    do {
      const response = await list(`limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(response.status).toBe(200);
      pageSizes.push(response.body.items.length);
      seen.push(...response.body.items);
      cursor = response.body.nextCursor;
    } while (cursor);
    expect(pageSizes).toEqual([10, 10, 5]);
    expect(new Set(seen.map((c) => c.id)).size).toBe(25);
    expect(seen.map((c) => c.name)).toEqual(Array.from({ length: 25 }, (_, i) => `Person ${i}`));
  });

  it('finds contacts by part of the name, whatever the case', async () => {
    expect(await names('search=person%2012')).toEqual(['Person 12']);
    expect(await names('search=PERSON%202')).toEqual(['Person 2', 'Person 20', 'Person 21', 'Person 22', 'Person 23', 'Person 24']);
    expect(await names('search=nobody')).toEqual([]);
    // Wildcards in a search are plain text.
    expect(await names('search=%25')).toEqual([]);
  });

  it('finds contacts by phone digits, with or without formatting', async () => {
    const byDigits = await list('search=5550100007');
    expect(byDigits.body.items.map((c: ContactView) => c.phone)).toEqual(['+15550100007']);
    expect(await names(`search=${encodeURIComponent('+1 (555) 010-0024')}`)).toEqual(['Person 24']);
    expect((await names('search=555010')).length).toBe(25);
  });

  it('filters on the opt-out flag; imports are not opted out', async () => {
    expect((await names('optedOut=false&limit=100')).length).toBe(25);
    expect(await names('optedOut=true')).toEqual([]);
    expect((await list('optedOut=maybe')).status).toBe(400);
  });

  it('refuses a forged cursor or a bad limit with 400', async () => {
    expect((await list('cursor=not-a-cursor')).status).toBe(400);
    expect((await list('limit=0')).status).toBe(400);
    expect((await list('limit=101')).status).toBe(400);
  });

  it("shows another tenant none of these contacts, even by search", async () => {
    const stranger = await registerTenant(herald, 'Stranger');
    expect((await list('limit=100', stranger)).body).toEqual({ items: [], nextCursor: null });
    expect((await list('search=Person', stranger)).body.items).toEqual([]);
    // A cursor taken from this tenant's pages reveals nothing to the other tenant.
    const cursor = (await list('limit=10')).body.nextCursor;
    expect((await list(`cursor=${encodeURIComponent(cursor)}`, stranger)).body.items).toEqual([]);
  });
});
