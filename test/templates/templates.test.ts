import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTenantUser, registerTenant, superAdmin, type TenantAdmin } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';

const seedTemplate = {
  name: 'welcome_message',
  content: 'Hello {{1}}, welcome!',
  variables: ['name'],
  metaTemplateId: 'meta_12345',
  status: 'APPROVED',
};

describe('templates', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness();
  });
  afterAll(() => herald?.close());

  const create = (admin: { token: string }, body: unknown) => rest(herald, 'POST', '/templates', body, bearer(admin.token));
  const list = (actor: { token: string }, query = '') => rest(herald, 'GET', `/templates${query}`, undefined, bearer(actor.token));

  it("accepts the documentation's template exactly as written, with Meta's defaults", async () => {
    const admin = await registerTenant(herald);
    const created = await create(admin, seedTemplate);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      ...seedTemplate,
      language: 'en_US',
      category: 'UTILITY',
      quality: 'UNKNOWN',
      rejectedReason: null,
      channelId: null,
      createdAt: expect.any(String),
    });

    const listed = await list(admin);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ items: [created.body], nextCursor: null });
  });

  it('refuses a second template with the same name and language, but not in another language or tenant', async () => {
    const acme = await registerTenant(herald);
    const globex = await registerTenant(herald);
    expect((await create(acme, seedTemplate)).status).toBe(201);

    const again = await create(acme, { ...seedTemplate, content: 'Hi {{1}}!' });
    expect(again.status).toBe(409);
    expect(again.body.message).toContain('welcome_message');

    const portuguese = await create(acme, { ...seedTemplate, language: 'pt_BR', content: 'Olá {{1}}!', category: 'MARKETING' });
    expect(portuguese.status).toBe(201);
    expect(portuguese.body).toMatchObject({ language: 'pt_BR', category: 'MARKETING' });
    expect((await create(globex, seedTemplate)).status).toBe(201);
  });

  it('lets exactly one of two simultaneous identical creates win', async () => {
    const admin = await registerTenant(herald);
    const body = { ...seedTemplate, name: 'race_me' };
    const statuses = (await Promise.all([create(admin, body), create(admin, body), create(admin, body)])).map((r) => r.status);
    expect(statuses.sort()).toEqual([201, 409, 409]);
    expect((await list(admin)).body.items).toHaveLength(1);
  });

  it('refuses each invalid field with 400 naming it', async () => {
    const admin = await registerTenant(herald);
    const cases: Array<[string, Record<string, unknown>]> = [
      ['name', { name: 'Welcome Message' }],
      ['name', { name: 'welcome-message' }],
      ['name', { name: '' }],
      ['name', { name: 'a'.repeat(513) }],
      ['language', { language: 'EN_us' }],
      ['language', { language: 'english' }],
      ['language', { language: 'en-US' }],
      ['category', { category: 'PROMOTIONAL' }],
      ['status', { status: 'approved' }],
      ['metaTemplateId', { metaTemplateId: '' }],
      ['metaTemplateId', { metaTemplateId: 'm'.repeat(129) }],
      ['content', { content: '' }],
      ['content', { content: `{{1}} ${'x'.repeat(1020)}` }],
      ['variables', { variables: 'name' }],
      ['variables.0', { variables: ['email'] }],
      ['variables.0', { variables: ['attributes.'] }],
      ['variables.0', { variables: ['attributes.has space'] }],
      ['', { extra: true }],
    ];
    for (const [field, change] of cases) {
      const response = await create(admin, { ...seedTemplate, ...change });
      expect(response.status, JSON.stringify(change)).toBe(400);
      expect(response.body.data.issues.map((issue: { path: string }) => issue.path), JSON.stringify(change)).toContain(field);
    }
    expect((await list(admin)).body.items).toEqual([]);
  });

  it("needs a status where the caller's status stands (nothing submitted to Meta); Meta's id is optional", async () => {
    const admin = await registerTenant(herald);
    const { status: _status, ...withoutStatus } = seedTemplate;
    const refused = await create(admin, withoutStatus);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'BAD_REQUEST', data: { reason: 'STATUS_REQUIRED' } });
    expect(refused.body.message).toContain('submit');

    const { metaTemplateId: _id, ...withoutId } = seedTemplate;
    const created = await create(admin, withoutId);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'APPROVED', metaTemplateId: null });
  });

  it('accepts the locale codes Meta uses', async () => {
    const admin = await registerTenant(herald);
    for (const language of ['en', 'pt_BR', 'zh_CN', 'fil', 'es_MX']) {
      expect((await create(admin, { ...seedTemplate, language })).status, language).toBe(201);
    }
  });

  it('refuses content whose placeholders do not match the variables, saying what is wrong', async () => {
    const admin = await registerTenant(herald);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ content: 'Hi {{1}}, code {{3}}', variables: ['name', 'phone', 'phone'] }, 'content uses {{1}} and {{3}} but not {{2}}'],
      [{ content: 'Hi {{1}} {{2}}', variables: ['name', 'phone', 'name'] }, '3 variables given for 2 placeholders'],
      [{ content: 'Hi {{1}} {{2}}', variables: ['name'] }, '1 variable given for 2 placeholders'],
      [{ content: 'Hello there', variables: ['name'] }, '1 variable given for 0 placeholders'],
      [{ content: 'Hi {{0}}' }, 'content has a malformed placeholder "{{0}}"'],
      [{ content: 'Hi {{ 1 }}' }, 'content has a malformed placeholder "{{ 1 }}"'],
      [{ content: 'Hi {{name}}' }, 'content has a malformed placeholder "{{name}}"'],
    ];
    for (const [change, message] of cases) {
      const response = await create(admin, { ...seedTemplate, ...change });
      expect(response.status, message).toBe(400);
      expect(response.body.message).toContain(message);
    }
  });

  it('accepts repeated placeholders, attributes and the phone as variables, and content with none', async () => {
    const admin = await registerTenant(herald);
    const rich = await create(admin, {
      ...seedTemplate,
      name: 'order_update',
      content: '{{1}}, order {{2}} ships to {{3}}. Thanks {{1}}!',
      variables: ['name', 'attributes.order_id', 'phone'],
    });
    expect(rich.status).toBe(201);
    expect(rich.body.variables).toEqual(['name', 'attributes.order_id', 'phone']);
    const plain = await create(admin, { ...seedTemplate, name: 'shipped', content: 'Your order has shipped.', variables: [] });
    expect(plain.status).toBe(201);
  });

  it('lets a SUB_ADMIN list templates but not create them', async () => {
    const admin = await registerTenant(herald);
    const sub = await createTenantUser(herald, admin, 'SUB_ADMIN');
    await create(admin, seedTemplate);
    expect((await create(sub, { ...seedTemplate, name: 'sneaky' })).status).toBe(403);
    const listed = await list(sub);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((t: { name: string }) => t.name)).toEqual(['welcome_message']);
    expect((await rest(herald, 'GET', '/templates')).status).toBe(401);
    expect((await create(await superAdmin(herald), seedTemplate)).status).toBe(403);
  });

  describe('listing', () => {
    let acme: TenantAdmin;
    let globex: TenantAdmin;
    const names = ['first_one', 'second_one', 'third_one', 'fourth_one', 'fifth_one'];
    const statuses = ['APPROVED', 'PENDING', 'APPROVED', 'REJECTED', 'APPROVED'];
    beforeAll(async () => {
      acme = await registerTenant(herald);
      globex = await registerTenant(herald);
      for (const [i, name] of names.entries()) {
        const response = await create(acme, { ...seedTemplate, name, status: statuses[i] });
        if (response.status !== 201) throw new Error(JSON.stringify(response.body));
      }
      await create(globex, { ...seedTemplate, name: 'globex_secret' });
    });

    it('pages through every template once, oldest first', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const response = await list(acme, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(response.status).toBe(200);
        expect(response.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...response.body.items.map((t: { name: string }) => t.name));
        cursor = response.body.nextCursor;
        pages++;
      } while (cursor);
      expect(seen).toEqual(names);
      expect(pages).toBe(3);
    });

    it('filters by status, also across pages', async () => {
      const first = await list(acme, '?status=APPROVED&limit=2');
      expect(first.body.items.map((t: { name: string }) => t.name)).toEqual(['first_one', 'third_one']);
      const second = await list(acme, `?status=APPROVED&limit=2&cursor=${first.body.nextCursor}`);
      expect(second.body).toEqual({ items: [expect.objectContaining({ name: 'fifth_one', status: 'APPROVED' })], nextCursor: null });
      expect((await list(acme, '?status=PAUSED')).body.items).toEqual([]);
    });

    it('refuses an unknown status, a bad limit and a forged cursor with 400', async () => {
      expect((await list(acme, '?status=approved')).status).toBe(400);
      expect((await list(acme, '?limit=0')).status).toBe(400);
      expect((await list(acme, '?cursor=not-a-cursor')).status).toBe(400);
    });

    it("never shows one tenant another tenant's templates", async () => {
      const acmeNames = (await list(acme, '?limit=100')).body.items.map((t: { name: string }) => t.name);
      expect(acmeNames).not.toContain('globex_secret');
      const globexList = await list(globex);
      expect(globexList.body.items.map((t: { name: string }) => t.name)).toEqual(['globex_secret']);
    });
  });

  it('is the same procedure over tRPC', async () => {
    const admin = await registerTenant(herald);
    const created = await rest(herald, 'POST', '/trpc/templates.create', { ...seedTemplate, name: 'via_trpc' }, bearer(admin.token));
    expect(created.status).toBe(201);
    expect(created.body.result.data).toMatchObject({ name: 'via_trpc', language: 'en_US', category: 'UTILITY' });
    const input = encodeURIComponent(JSON.stringify({ status: 'APPROVED' }));
    const listed = await rest(herald, 'GET', `/trpc/templates.list?input=${input}`, undefined, bearer(admin.token));
    expect(listed.body.result.data.items.map((t: { name: string }) => t.name)).toEqual(['via_trpc']);
  });
});
