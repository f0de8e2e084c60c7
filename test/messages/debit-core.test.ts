import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { debitForDispatch } from '../../server/modules/messages/dispatch.service.ts';
import { registerTenant } from '../support/actors.ts';
import { eventually } from '../support/eventually.ts';
import { topUp, operatorScene } from '../billing/support.ts';

// The debit reads without locks, then locks, re-checks and posts in one database call: these stories aim at
// the seams of that split (concurrent debits of one tenant, retries, a change between the read and the lock).
describe('the debit, one locked call after an unlocked read', () => {
  const scene = operatorScene();

  const sql = <T = Record<string, any>>(text: string, params: unknown[] = []) => scene.herald.orm.em.getConnection().execute<T[]>(text, params);

  /** A tenant with `credits`, one APPROVED UTILITY template (0.0200 a message) and `count` due messages to distinct contacts. */
  async function dueMessages(count: number, credits: string) {
    const { tenantId } = await registerTenant(scene.herald);
    if (credits !== '0') expect((await topUp(scene.herald, scene.operator, tenantId, credits)).status).toBe(200);
    const templateId = randomUUID();
    await sql(
      `insert into template (id, tenant_id, name, language, category, status, content, variables)
       values (?, ?, 'hello', 'en_US', 'UTILITY', 'APPROVED', 'Hello {{1}}', '["name"]')`,
      [templateId, tenantId],
    );
    const ids: { messageId: string; contactId: string }[] = [];
    for (let i = 0; i < count; i++) {
      const [contactId, messageId] = [randomUUID(), randomUUID()];
      await sql(`insert into contact (id, tenant_id, phone, name) values (?, ?, ?, 'Ann')`, [contactId, tenantId, `+1555700${String(1000 + i)}`]);
      await sql(
        `insert into message (id, tenant_id, template_id, contact_id, idempotency_key, request_hash, schedule_time, workflow_id, created_at, updated_at)
         values (?, ?, ?, ?, ?, repeat('0', 64), now(), ?, now(), now())`,
        [messageId, tenantId, templateId, contactId, messageId, `message-${messageId}`],
      );
      ids.push({ messageId, contactId });
    }
    return { tenantId, templateId, ids };
  }

  const debit = (messageId: string) => debitForDispatch(scene.herald.orm.em.fork(), scene.herald.config.prices, messageId);
  const balance = async (tenantId: string) => (await sql<{ balance: string }>('select balance::text as balance from tenant where id = ?', [tenantId]))[0]!.balance;
  const debits = (tenantId: string) => sql(`select message_id from ledger_entry where tenant_id = ? and reason = 'MESSAGE'`, [tenantId]);
  const message = async (messageId: string) =>
    (await sql('select status, charge_state, cost::text as cost, failure_reason, body_parameters from message where id = ?', [messageId]))[0]!;
  const history = async (messageId: string) =>
    (await sql<{ status: string; detail: string | null }>('select status, detail from message_status_event where message_id = ? order by recorded_at, status', [messageId])).map(
      (event) => [event.status, event.detail],
    );

  it('with funds for exactly 10 of 30 concurrent debits (each sent twice), charges exactly 10 once each and fails the other 20', async () => {
    const { tenantId, ids } = await dueMessages(30, '0.2000');

    const results = await Promise.all(ids.flatMap(({ messageId }) => [debit(messageId), debit(messageId)]));

    const charged = ids.filter((_, i) => results[2 * i]!.ok);
    expect(charged).toHaveLength(10);
    ids.forEach((_, i) => expect(results[2 * i + 1]).toEqual(results[2 * i])); // a retry answers what the first call did
    expect(results.filter((result) => result.ok)).toEqual(Array.from({ length: 20 }, () => ({ ok: true, charged: true })));
    expect(results.filter((result) => !result.ok)).toEqual(Array.from({ length: 40 }, () => ({ ok: false, reason: 'INSUFFICIENT_FUNDS' })));
    expect(await balance(tenantId)).toBe('0');
    expect((await debits(tenantId)).map((row) => row.message_id).sort()).toEqual(charged.map((id) => id.messageId).sort());

    for (const { messageId } of ids) {
      const stored = await message(messageId);
      if (charged.some((id) => id.messageId === messageId)) {
        expect(stored).toEqual({ status: 'DISPATCHING', charge_state: 'CHARGED', cost: '200', failure_reason: null, body_parameters: ['Ann'] });
        expect(await history(messageId)).toEqual([['DISPATCHING', null]]);
      } else {
        expect(stored).toMatchObject({ status: 'FAILED', charge_state: 'NONE', failure_reason: 'INSUFFICIENT_FUNDS' });
        expect(await history(messageId)).toEqual([['FAILED', 'INSUFFICIENT_FUNDS: Insufficient funds: the balance is 0.0000, 0.0200 is needed']]);
      }
    }
  });

  it('refuses a message whose parameter is missing, leaving no ledger row and the balance untouched', async () => {
    const { tenantId, ids } = await dueMessages(1, '1.00');
    await sql(`update contact set name = null where id = ?`, [ids[0]!.contactId]);

    expect(await debit(ids[0]!.messageId)).toEqual({ ok: false, reason: 'MISSING_PARAMETERS' });

    expect(await message(ids[0]!.messageId)).toMatchObject({ status: 'FAILED', charge_state: 'NONE', failure_reason: 'MISSING_PARAMETERS' });
    expect(await history(ids[0]!.messageId)).toEqual([['FAILED', 'MISSING_PARAMETERS: no value for name']]);
    expect(await debits(tenantId)).toEqual([]);
    expect(await balance(tenantId)).toBe('10000');
  });

  /** Holds the message row while the debit reads, then changes `change` and lets the debit's locked call run. */
  async function changeBetweenReadAndLock(messageId: string, change: string, params: unknown[]) {
    const client = new pg.Client({ connectionString: scene.herald.config.DATABASE_URL });
    await client.connect();
    try {
      await client.query('begin');
      await client.query('select id from message where id = $1 for no key update', [messageId]);
      const pending = debit(messageId);
      // The debit has read (unlocked) and now waits for the message row in its locked call.
      // Asked outside the holder's transaction: inside it, pg_stat_activity would stay the snapshot of its first read.
      const waiting = () => sql(`select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like 'select * from dispatch_message_debit(%'`);
      await eventually(waiting, (rows) => rows.length > 0, { timeoutMs: 10_000, intervalMs: 20, what: 'the debit to reach its locked call' });
      await client.query(change, params);
      await client.query('commit');
      return await pending;
    } finally {
      await client.end();
    }
  }

  it('re-checks the template under the lock: paused after the read, the message fails and nothing is charged', async () => {
    const { tenantId, templateId, ids } = await dueMessages(1, '1.00');

    const result = await changeBetweenReadAndLock(ids[0]!.messageId, `update template set status = 'PAUSED' where id = $1`, [templateId]);

    expect(result).toEqual({ ok: false, reason: 'TEMPLATE_NOT_APPROVED' });
    expect(await message(ids[0]!.messageId)).toMatchObject({ status: 'FAILED', charge_state: 'NONE', failure_reason: 'TEMPLATE_NOT_APPROVED' });
    expect(await history(ids[0]!.messageId)).toEqual([['FAILED', 'TEMPLATE_NOT_APPROVED: the template is PAUSED']]);
    expect(await debits(tenantId)).toEqual([]);
    expect(await balance(tenantId)).toBe('10000');
  });

  it('re-checks the contact under the lock: opted out after the read, the message fails and nothing is charged', async () => {
    const { tenantId, ids } = await dueMessages(1, '1.00');

    const result = await changeBetweenReadAndLock(ids[0]!.messageId, 'update contact set opted_out = true where id = $1', [ids[0]!.contactId]);

    expect(result).toEqual({ ok: false, reason: 'CONTACT_OPTED_OUT' });
    expect(await history(ids[0]!.messageId)).toEqual([['FAILED', 'CONTACT_OPTED_OUT: the contact has opted out']]);
    expect(await debits(tenantId)).toEqual([]);
    expect(await balance(tenantId)).toBe('10000');
  });

  it('re-checks the status under the lock: cancelled after the read, the debit charges nothing and reports the cancel', async () => {
    const { tenantId, ids } = await dueMessages(1, '1.00');

    const result = await changeBetweenReadAndLock(ids[0]!.messageId, `update message set status = 'CANCELLED' where id = $1`, [ids[0]!.messageId]);

    expect(result).toEqual({ ok: false, reason: 'CANCELLED' });
    expect(await message(ids[0]!.messageId)).toMatchObject({ status: 'CANCELLED', charge_state: 'NONE' });
    expect(await history(ids[0]!.messageId)).toEqual([]);
    expect(await debits(tenantId)).toEqual([]);
    expect(await balance(tenantId)).toBe('10000');
  });
});
