import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHeraldClient } from '../../client-sdk/index.ts';
import { bearer, createTenantUser, registerTenant, superAdmin, type Actor, type TenantAdmin } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { expectLedgerConsistent, topUp } from './support.ts';

describe('reading balances and the ledger', () => {
  let herald: Harness;
  let operator: Actor;
  let acme: TenantAdmin;
  let acmeSub: Actor;
  let globex: TenantAdmin;
  beforeAll(async () => {
    herald = await startHarness();
    operator = await superAdmin(herald);
    acme = await registerTenant(herald, 'Acme');
    acmeSub = await createTenantUser(herald, acme, 'SUB_ADMIN');
    globex = await registerTenant(herald, 'Globex');
    for (const amount of [100, '0.5', '12.3456']) expect((await topUp(herald, operator, acme.tenantId, amount, `top-up ${amount}`)).status).toBe(200);
    expect((await topUp(herald, operator, globex.tenantId, 7)).status).toBe(200);
  });
  afterEach(() => expectLedgerConsistent(herald));
  afterAll(() => herald?.close());

  const get = (path: string, caller: Actor) => rest(herald, 'GET', path, undefined, bearer(caller.token));

  it("shows ADMINs and SUB_ADMINs their own tenant's balance, with or without naming it", async () => {
    for (const caller of [acme, acmeSub]) {
      expect((await get('/billing/balance', caller)).body).toEqual({ tenantId: acme.tenantId, balance: '112.8456' });
      const named = await get(`/billing/balance?tenantId=${acme.tenantId}`, caller);
      expect(named.status).toBe(200);
      expect(named.body).toEqual({ tenantId: acme.tenantId, balance: '112.8456' });
    }
    expect((await get('/billing/balance', globex)).body).toEqual({ tenantId: globex.tenantId, balance: '7.0000' });
  });

  it("answers a tenant user naming another tenant with 404, never that tenant's balance", async () => {
    for (const caller of [acme, acmeSub]) {
      const foreign = await get(`/billing/balance?tenantId=${globex.tenantId}`, caller);
      expect(foreign.status).toBe(404);
      expect(JSON.stringify(foreign.body)).not.toContain('7.0000');
      const ledger = await get(`/billing/ledger?tenantId=${globex.tenantId}`, acme);
      expect(ledger.status).toBe(404);
    }
  });

  it('lets the platform operator read any balance by tenantId, and asks for one when missing', async () => {
    expect((await get(`/billing/balance?tenantId=${globex.tenantId}`, operator)).body).toEqual({ tenantId: globex.tenantId, balance: '7.0000' });
    const missing = await get('/billing/balance', operator);
    expect(missing.status).toBe(400);
    expect(missing.body.data.reason).toBe('TENANT_ID_REQUIRED');
    expect((await get(`/billing/balance?tenantId=${randomUUID()}`, operator)).status).toBe(404);
    expect((await get('/billing/balance?tenantId=globex', operator)).status).toBe(400);
  });

  it('lists the ledger newest first, each top-up with its balance after', async () => {
    const response = await get('/billing/ledger', acme);
    expect(response.status).toBe(200);
    expect(response.body.nextCursor).toBeNull();
    expect(response.body.items.map((entry: Record<string, unknown>) => [entry.type, entry.reason, entry.amount, entry.balanceAfter, entry.description])).toEqual([
      ['CREDIT', 'TOPUP', '12.3456', '112.8456', 'top-up 12.3456'],
      ['CREDIT', 'TOPUP', '0.5000', '100.5000', 'top-up 0.5'],
      ['CREDIT', 'TOPUP', '100.0000', '100.0000', 'top-up 100'],
    ]);
    expect(response.body.items.every((entry: { messageId: unknown }) => entry.messageId === null)).toBe(true);
    // The operator sees the same ledger by naming the tenant.
    expect((await get(`/billing/ledger?tenantId=${acme.tenantId}`, operator)).body).toEqual(response.body);
  });

  it('pages through the ledger with limit and cursor, without gaps or repeats', async () => {
    const first = await get('/billing/ledger?limit=2', acme);
    expect(first.body.items.map((entry: { amount: string }) => entry.amount)).toEqual(['12.3456', '0.5000']);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await get(`/billing/ledger?limit=2&cursor=${first.body.nextCursor}`, acme);
    expect(second.body.items.map((entry: { amount: string }) => entry.amount)).toEqual(['100.0000']);
    expect(second.body.nextCursor).toBeNull();

    // A top-up arriving between pages does not shift the older pages.
    await topUp(herald, operator, acme.tenantId, 1);
    const again = await get(`/billing/ledger?limit=2&cursor=${first.body.nextCursor}`, acme);
    expect(again.body.items.map((entry: { amount: string }) => entry.amount)).toEqual(['100.0000']);
    expect((await get('/billing/ledger?limit=1', acme)).body.items[0]).toMatchObject({ amount: '1.0000', balanceAfter: '113.8456' });
  });

  it('refuses a malformed cursor or limit with 400', async () => {
    expect((await get('/billing/ledger?cursor=not-a-cursor', acme)).status).toBe(400);
    expect((await get('/billing/ledger?limit=0', acme)).status).toBe(400);
    expect((await get('/billing/ledger?limit=101', acme)).status).toBe(400);
  });

  it('keeps the ledger from SUB_ADMINs (403) and asks the operator which tenant (400)', async () => {
    expect((await get('/billing/ledger', acmeSub)).status).toBe(403);
    const missing = await get('/billing/ledger', operator);
    expect(missing.status).toBe(400);
    expect(missing.body.data.reason).toBe('TENANT_ID_REQUIRED');
    expect((await get(`/billing/ledger?tenantId=${randomUUID()}`, operator)).status).toBe(404);
  });

  it('gives the same balance and ledger through tRPC', async () => {
    const client = createHeraldClient({ url: herald.url, token: globex.token });
    expect(await client.billing.balance.query({})).toEqual({ tenantId: globex.tenantId, balance: '7.0000' });
    const ledger = await client.billing.ledger.query({});
    expect(ledger.items).toEqual([expect.objectContaining({ type: 'CREDIT', reason: 'TOPUP', amount: '7.0000', balanceAfter: '7.0000' })]);
  });
});
