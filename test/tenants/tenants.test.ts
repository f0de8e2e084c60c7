import { describe, expect, it } from 'vitest';
import { createHeraldClient } from '../../client-sdk/index.ts';
import { bearer, createTenantUser, registerTenant } from '../support/actors.ts';
import { rest } from '../support/harness.ts';
import { topUp, operatorScene } from '../billing/support.ts';

interface TenantView {
  id: string;
  name: string;
  slug: string;
  balance: string;
  createdAt: string;
}

describe('the platform operator lists tenants with their balances', () => {
  const scene = operatorScene();

  /** Follows `nextCursor` to the end, as a client would. */
  async function allTenants(limit: number): Promise<TenantView[]> {
    const seen: TenantView[] = [];
    let cursor: string | null = null;
    do {
      const response = await rest(scene.herald, 'GET', `/tenants?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, undefined, bearer(scene.operator.token));
      expect(response.status).toBe(200);
      expect(response.body.items.length).toBeLessThanOrEqual(limit);
      seen.push(...response.body.items);
      cursor = response.body.nextCursor;
    } while (cursor);
    return seen;
  }

  it('shows every tenant once, oldest first, each with its current balance', async () => {
    const acme = await registerTenant(scene.herald, 'Acme');
    const globex = await registerTenant(scene.herald, 'Globex');
    expect((await topUp(scene.herald, scene.operator, acme.tenantId, '25.5')).status).toBe(200);

    const tenants = await allTenants(2);

    expect(new Set(tenants.map((tenant) => tenant.id)).size).toBe(tenants.length);
    const created = tenants.map((tenant) => tenant.createdAt);
    expect(created).toEqual([...created].sort());
    expect(tenants.find((tenant) => tenant.id === acme.tenantId)).toEqual({
      id: acme.tenantId,
      name: 'Acme',
      slug: acme.slug,
      balance: '25.5000',
      createdAt: expect.any(String),
    });
    expect(tenants.find((tenant) => tenant.id === globex.tenantId)).toMatchObject({ name: 'Globex', balance: '0.0000' });
  });

  it('keeps the list from tenant users (403) and anonymous callers (401)', async () => {
    const acme = await registerTenant(scene.herald);
    const sub = await createTenantUser(scene.herald, acme, 'SUB_ADMIN');
    for (const caller of [acme, sub]) {
      const response = await rest(scene.herald, 'GET', '/tenants', undefined, bearer(caller.token));
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('FORBIDDEN');
    }
    expect((await rest(scene.herald, 'GET', '/tenants')).status).toBe(401);
  });

  it('refuses a malformed cursor with 400', async () => {
    const response = await rest(scene.herald, 'GET', '/tenants?cursor=garbage', undefined, bearer(scene.operator.token));
    expect(response.status).toBe(400);
  });

  it('gives the same list through tRPC', async () => {
    const acme = await registerTenant(scene.herald, 'Via tRPC');
    const client = createHeraldClient({ url: scene.herald.url, token: scene.operator.token });
    const listed: TenantView[] = [];
    let cursor: string | undefined;
    do {
      const result = await client.tenants.list.query({ limit: 100, ...(cursor ? { cursor } : {}) });
      listed.push(...result.items);
      cursor = result.nextCursor ?? undefined;
    } while (cursor);
    expect(listed.find((tenant) => tenant.id === acme.tenantId)).toMatchObject({ name: 'Via tRPC', balance: '0.0000' });
  });
});
