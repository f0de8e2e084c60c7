import { describe, expect, it } from 'vitest';
import { bearer, registerTenant } from '../support/actors.ts';
import { rest } from '../support/harness.ts';
import { balanceOf, ledgerOf } from '../messages/support.ts';
import { operatorScene } from './support.ts';

describe("an operator's retried top-up credits once", () => {
  const scene = operatorScene();

  const addCredits = (body: Record<string, unknown>) => rest(scene.herald, 'POST', '/billing/add-credits', body, bearer(scene.operator.token));

  it('answers a replay with the same entry and the balance it produced, and credits nothing more', async () => {
    const acme = await registerTenant(scene.herald);
    const body = { tenantId: acme.tenantId, amount: 100.0, description: 'Initial top-up', idempotencyKey: 'topup-1' };
    const first = await addCredits(body);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ tenantId: acme.tenantId, balance: '100.0000', entry: { amount: '100.0000', balanceAfter: '100.0000' } });

    // Another top-up moves the balance on; the replay still tells what the first request did.
    expect((await addCredits({ tenantId: acme.tenantId, amount: 5, description: 'Later' })).status).toBe(200);
    const replay = await addCredits({ ...body, amount: '100.0000' });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);

    expect(await balanceOf(scene.herald, acme.token)).toBe('105.0000');
    expect((await ledgerOf(scene.herald, acme.token)).map((entry: Record<string, string>) => entry.amount)).toEqual(['5.0000', '100.0000']);
  });

  it('refuses the same key with another body with 409 IDEMPOTENCY_KEY_REUSED, and writes nothing', async () => {
    const acme = await registerTenant(scene.herald);
    const body = { tenantId: acme.tenantId, amount: 10, description: 'Top-up', idempotencyKey: 'topup-2' };
    expect((await addCredits(body)).status).toBe(200);
    for (const changed of [{ amount: 11 }, { description: 'Another top-up' }]) {
      const conflict = await addCredits({ ...body, ...changed });
      expect(conflict.status).toBe(409);
      expect(conflict.body).toMatchObject({ code: 'CONFLICT', data: { reason: 'IDEMPOTENCY_KEY_REUSED' } });
    }
    expect(await balanceOf(scene.herald, acme.token)).toBe('10.0000');
    expect(await ledgerOf(scene.herald, acme.token)).toHaveLength(1);
  });

  it('scopes keys to a tenant: the same key tops up another tenant on its own', async () => {
    const [acme, globex] = [await registerTenant(scene.herald), await registerTenant(scene.herald)];
    for (const tenant of [acme, globex]) {
      const response = await addCredits({ tenantId: tenant.tenantId, amount: 3, description: 'Top-up', idempotencyKey: 'monthly' });
      expect(response.status).toBe(200);
      expect(response.body.balance).toBe('3.0000');
    }
    expect(await balanceOf(scene.herald, acme.token)).toBe('3.0000');
    expect(await balanceOf(scene.herald, globex.token)).toBe('3.0000');
  });

  it('makes one CREDIT entry out of 10 identical requests racing', async () => {
    const acme = await registerTenant(scene.herald);
    const body = { tenantId: acme.tenantId, amount: '25.5', description: 'Retry storm', idempotencyKey: 'storm' };
    const responses = await Promise.all(Array.from({ length: 10 }, () => addCredits(body)));

    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
    expect(new Set(responses.map((response) => response.body.entry.id)).size).toBe(1);
    expect(new Set(responses.map((response) => response.body.balance))).toEqual(new Set(['25.5000']));
    const ledger = await ledgerOf(scene.herald, acme.token);
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ type: 'CREDIT', reason: 'TOPUP', amount: '25.5000' });
    expect(await balanceOf(scene.herald, acme.token)).toBe('25.5000');
  });

  it('refuses an empty, overlong or NUL-bearing key with 400 naming the field', async () => {
    const acme = await registerTenant(scene.herald);
    for (const idempotencyKey of ['', '   ', 'k'.repeat(256), 'a\u0000b']) {
      const response = await addCredits({ tenantId: acme.tenantId, amount: 1, description: 'x', idempotencyKey });
      expect(response.status).toBe(400);
      expect(response.body.data.issues.map((issue: { path: string }) => issue.path)).toEqual(['idempotencyKey']);
    }
    expect(await balanceOf(scene.herald, acme.token)).toBe('0.0000');
  });
});
