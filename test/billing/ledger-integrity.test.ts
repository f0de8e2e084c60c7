import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postEntry } from '../../server/modules/billing/ledger.service.ts';
import { verifyLedger } from '../../server/modules/billing/ledger-verify.ts';
import { formatCredits, parseCredits, units } from '../../server/shared/money.ts';
import { bearer, registerTenant } from '../support/actors.ts';
import { rest } from '../support/harness.ts';
import { balanceOf, ledgerOf } from '../messages/support.ts';
import { topUp, storedMessage, messageRow, pgRun, operatorScene } from './support.ts';

describe('the ledger keeps money exact, append-only and serialised', () => {
  const scene = operatorScene();


  it('refuses to update or delete a ledger row at the database itself', async () => {
    const acme = await registerTenant(scene.herald);
    const { body } = await topUp(scene.herald, scene.operator, acme.tenantId, 50);
    const connection = scene.herald.orm.em.getConnection();

    await expect(connection.execute(`update ledger_entry set amount = 1 where id = '${body.entry.id}'`)).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(connection.execute(`delete from ledger_entry where id = '${body.entry.id}'`)).rejects.toThrow(/append-only: DELETE refused/);

    expect(await ledgerOf(scene.herald, acme.token)).toEqual([body.entry]);
    expect(await balanceOf(scene.herald, acme.token)).toBe('50.0000');
  });

  it('adds up 50 concurrent top-ups exactly, each balanceAfter chaining on the one before', async () => {
    const acme = await registerTenant(scene.herald);
    // Different amounts, down to the last of the four decimals: 1.0001, 2.0002, … 50.0050.
    const amounts = Array.from({ length: 50 }, (_, i) => `${i + 1}.${String(i + 1).padStart(4, '0')}`);

    const responses = await Promise.all(amounts.map((amount) => topUp(scene.herald, scene.operator, acme.tenantId, amount)));

    expect(responses.map((response) => response.status)).toEqual(amounts.map(() => 200));
    const total = amounts.reduce((sum, amount) => sum + parseCredits(amount)!, 0n);
    expect(formatCredits(total)).toBe('1275.1275');
    expect(await balanceOf(scene.herald, acme.token)).toBe('1275.1275');

    const oldestFirst = (await ledgerOf(scene.herald, acme.token)).reverse();
    expect(oldestFirst).toHaveLength(50);
    let running = 0n;
    for (const entry of oldestFirst) {
      running += parseCredits(entry.amount!)!;
      expect(entry.balanceAfter).toBe(formatCredits(running));
    }
    expect(oldestFirst.map((entry: Record<string, string>) => entry.amount).sort()).toEqual(amounts.map((amount) => formatCredits(parseCredits(amount)!)).sort());
    // Each caller was told the balance its own entry produced.
    expect(new Set(responses.map((response) => response.body.balance)).size).toBe(50);
  });

  it('refuses a debit that would overdraw with INSUFFICIENT_FUNDS and writes nothing', async () => {
    const acme = await registerTenant(scene.herald);
    await topUp(scene.herald, scene.operator, acme.tenantId, '0.0400');
    const before = await ledgerOf(scene.herald, acme.token);

    const overdraw = postEntry(scene.herald.orm.em.fork(), {
      tenantId: acme.tenantId,
      type: 'DEBIT',
      reason: 'MESSAGE',
      amount: units(401),
      messageId: await storedMessage(scene.herald, acme.tenantId),
    });

    await expect(overdraw).rejects.toMatchObject({ code: 'UNPROCESSABLE_CONTENT', reason: 'INSUFFICIENT_FUNDS' });
    expect(await balanceOf(scene.herald, acme.token)).toBe('0.0400');
    expect(await ledgerOf(scene.herald, acme.token)).toEqual(before);
  });

  it('debits to exactly zero, refunds a debit once, and refuses a second debit for the same message', async () => {
    const acme = await registerTenant(scene.herald);
    await topUp(scene.herald, scene.operator, acme.tenantId, '0.0500');
    const messageId = await storedMessage(scene.herald, acme.tenantId);
    const debit = { tenantId: acme.tenantId, type: 'DEBIT', reason: 'MESSAGE', amount: units(500), messageId } as const;

    const charged = await postEntry(scene.herald.orm.em.fork(), debit);
    expect(formatCredits(charged.balance)).toBe('0.0000');
    await expect(postEntry(scene.herald.orm.em.fork(), debit)).rejects.toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_POSTED' });

    const refund = { tenantId: acme.tenantId, type: 'CREDIT', reason: 'REFUND', amount: units(500), messageId, refundOf: charged.entry.id } as const;
    const refunded = await postEntry(scene.herald.orm.em.fork(), refund);
    expect(formatCredits(refunded.balance)).toBe('0.0500');
    await expect(postEntry(scene.herald.orm.em.fork(), refund)).rejects.toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_POSTED' });

    expect((await ledgerOf(scene.herald, acme.token)).map((entry: Record<string, string>) => [entry.type, entry.reason, entry.amount, entry.balanceAfter, entry.messageId])).toEqual([
      ['CREDIT', 'REFUND', '0.0500', '0.0500', messageId],
      ['DEBIT', 'MESSAGE', '0.0500', '0.0000', messageId],
      ['CREDIT', 'TOPUP', '0.0500', '0.0500', null],
    ]);
  });

  it('answers NOT_FOUND for a debit on a tenant that does not exist', async () => {
    await expect(
      postEntry(scene.herald.orm.em.fork(), { tenantId: randomUUID(), type: 'CREDIT', reason: 'TOPUP', amount: units(1) }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', reason: 'TENANT_NOT_FOUND' });
  });

  it('the verification notices a balance off its ledger, a broken chain and a refund of the wrong entry', async () => {
    // Written in a transaction that is rolled back: nobody else ever sees these rows.
    const client = new pg.Client({ connectionString: scene.herald.config.DATABASE_URL });
    await client.connect();
    try {
      await client.query('begin');
      const tenantId = randomUUID();
      const topUpId = randomUUID();
      await client.query(`insert into tenant (id, name, slug, balance) values ($1, 'Broken', $2, 90000)`, [tenantId, `broken-${tenantId.slice(0, 8)}`]);
      await client.query(
        `insert into ledger_entry (id, tenant_id, type, reason, amount, balance_after) values ($1, $2, 'CREDIT', 'TOPUP', 50000, 60000)`,
        [topUpId, tenantId],
      );
      const messageId = await messageRow(pgRun(client), tenantId);
      await client.query(
        `insert into ledger_entry (id, tenant_id, type, reason, amount, balance_after, message_id, refund_of)
         values ($1, $2, 'CREDIT', 'REFUND', 30000, 90000, $3, $4)`,
        [randomUUID(), tenantId, messageId, topUpId],
      );

      const report = await verifyLedger(async (sql) => (await client.query(sql)).rows);

      const ours = report.problems.filter((problem) => problem.tenantId === tenantId);
      expect(ours.map((problem) => problem.kind).sort()).toEqual(['BAD_REFUND', 'BALANCE_MISMATCH', 'BROKEN_CHAIN']);
      expect(ours.find((problem) => problem.kind === 'BALANCE_MISMATCH')!.detail).toBe('balance 9.0000 but the ledger sums to 8.0000');
      expect(ours.find((problem) => problem.kind === 'BROKEN_CHAIN')!.detail).toMatch(/balance_after 6\.0000, expected 5\.0000$/);
      expect(ours.find((problem) => problem.kind === 'BAD_REFUND')!.detail).toBe('refund_of points at a CREDIT/TOPUP');
    } finally {
      await client.query('rollback').catch(() => {});
      await client.end();
    }
  });
});
