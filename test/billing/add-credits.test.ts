import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createHeraldClient } from '../../client-sdk/index.ts';
import { bearer, createTenantUser, registerTenant } from '../support/actors.ts';
import { rest } from '../support/harness.ts';
import { balanceOf } from '../messages/support.ts';
import { topUp, operatorScene } from './support.ts';

describe('the platform operator tops up a tenant', () => {
  const scene = operatorScene();


  it("accepts the seed's add-credits request exactly as written", async () => {
    const acme = await registerTenant(scene.herald);
    const body = `{"tenantId":"${acme.tenantId}","amount":100.00,"description":"Initial top-up"}`;

    const response = await rest(scene.herald, 'POST', '/billing/add-credits', body, bearer(scene.operator.token));

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      tenantId: acme.tenantId,
      balance: '100.0000',
      entry: {
        id: expect.any(String),
        type: 'CREDIT',
        reason: 'TOPUP',
        amount: '100.0000',
        balanceAfter: '100.0000',
        messageId: null,
        description: 'Initial top-up',
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      },
    });
    expect(Math.abs(Date.parse(response.body.entry.createdAt) - Date.now())).toBeLessThan(60_000);
    expect(await balanceOf(scene.herald, acme.token)).toBe('100.0000');
  });

  it('chains several top-ups, given as JSON numbers or decimal strings, to the exact cent and below', async () => {
    const acme = await registerTenant(scene.herald);
    const steps: [number | string, string][] = [
      [100.0, '100.0000'],
      ['0.0001', '100.0001'],
      ['12.5', '112.5001'],
      [7, '119.5001'],
      [' 0.4999 ', '120.0000'],
      [0.1, '120.1000'],
    ];
    for (const [amount, expected] of steps) {
      const response = await topUp(scene.herald, scene.operator, acme.tenantId, amount);
      expect(response.status).toBe(200);
      expect(response.body.balance).toBe(expected);
      expect(response.body.entry.balanceAfter).toBe(expected);
    }
    expect(await balanceOf(scene.herald, acme.token)).toBe('120.1000');
  });

  it('refuses amounts that are not a positive decimal with at most four places, and changes nothing', async () => {
    const acme = await registerTenant(scene.herald);
    const refused: unknown[] = ['0.00001', 0, '0', -5, '-5', 'abc', '', 1e21, '1e3', '1000000000.0001', 1e12, '12,50', null, true, [1]];
    for (const amount of refused) {
      const response = await topUp(scene.herald, scene.operator, acme.tenantId, amount as string);
      expect(response.status, `amount ${JSON.stringify(amount)}`).toBe(400);
      expect(response.body.code).toBe('BAD_REQUEST');
      expect(response.body.data.issues.map((issue: { path: string }) => issue.path)).toEqual(['amount']);
    }
    const missing = await rest(scene.herald, 'POST', '/billing/add-credits', { tenantId: acme.tenantId, description: 'x' }, bearer(scene.operator.token));
    expect(missing.status).toBe(400);

    expect(await balanceOf(scene.herald, acme.token)).toBe('0.0000');
    expect((await rest(scene.herald, 'GET', '/billing/ledger', undefined, bearer(acme.token))).body.items).toEqual([]);
  });

  it('requires a description of 1 to 500 characters and a tenant id that is a UUID', async () => {
    const acme = await registerTenant(scene.herald);
    const call = (body: Record<string, unknown>) => rest(scene.herald, 'POST', '/billing/add-credits', body, bearer(scene.operator.token));
    for (const description of [undefined, '', '   ', 'x'.repeat(501)]) {
      const response = await call({ tenantId: acme.tenantId, amount: 1, description });
      expect(response.status).toBe(400);
      expect(response.body.data.issues.map((issue: { path: string }) => issue.path)).toEqual(['description']);
    }
    expect((await call({ tenantId: acme.tenantId, amount: 1, description: 'x'.repeat(500) })).status).toBe(200);
    expect((await call({ tenantId: 'acme', amount: 1, description: 'x' })).status).toBe(400);
    expect((await call({ tenantId: acme.tenantId, amount: 1, description: 'x', extra: true })).status).toBe(400);
  });

  it('answers 404 for a tenant that does not exist', async () => {
    const response = await topUp(scene.herald, scene.operator, randomUUID(), 10);
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('NOT_FOUND');
  });

  it('refuses tenant ADMINs and SUB_ADMINs with 403, even for their own tenant', async () => {
    const acme = await registerTenant(scene.herald);
    const sub = await createTenantUser(scene.herald, acme, 'SUB_ADMIN');
    for (const caller of [acme, sub]) {
      const response = await topUp(scene.herald, caller, acme.tenantId, 10);
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('FORBIDDEN');
    }
    const anonymous = await rest(scene.herald, 'POST', '/billing/add-credits', { tenantId: acme.tenantId, amount: 10, description: 'x' });
    expect(anonymous.status).toBe(401);
    expect(await balanceOf(scene.herald, acme.token)).toBe('0.0000');
  });

  it('works the same through tRPC (the typed client SDK)', async () => {
    const acme = await registerTenant(scene.herald);
    const client = createHeraldClient({ url: scene.herald.url, token: scene.operator.token });
    const result = await client.billing.addCredits.mutate({ tenantId: acme.tenantId, amount: '2.25', description: 'via tRPC' });
    expect(result).toMatchObject({ tenantId: acme.tenantId, balance: '2.2500', entry: { amount: '2.2500', description: 'via tRPC' } });
    await expect(client.billing.addCredits.mutate({ tenantId: acme.tenantId, amount: '0.00001', description: 'x' })).rejects.toMatchObject({
      data: { httpStatus: 400 },
    });
  });
});
