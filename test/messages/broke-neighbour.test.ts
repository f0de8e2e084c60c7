// A tenant that cannot pay shares the platform number with everyone: its messages that will fail for funds take
// no send slot of that number, so they delay no other tenant's message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { importContacts } from '../campaigns/support.ts';
import { schedule, sendingTenant, SILENT_SANDBOX, waitForMessage } from './support.ts';

const BROKE_MESSAGES = 300;
/** The platform number's rate here: 300 slots would take a minute. */
const PLATFORM_RATE = 5;

/** The tenant's FAILED messages, counted page by page through GET /messages. */
async function failedCount(herald: Harness, token: string): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const page = await rest(herald, 'GET', `/messages?status=FAILED&limit=100${cursor ? `&cursor=${cursor}` : ''}`, undefined, bearer(token));
    count += page.body.items.length;
    cursor = page.body.nextCursor;
  } while (cursor);
  return count;
}

describe('a broke tenant on the platform number', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ worker: true, sandboxDelays: SILENT_SANDBOX, env: { WHATSAPP_RATE_LIMIT_PER_SECOND: String(PLATFORM_RATE) } });
  });
  afterAll(() => herald?.close());

  it(`holds up nobody: a funded message is sent within seconds while ${BROKE_MESSAGES} broke ones fall due with it`, { timeout: 240_000 }, async () => {
    const broke = await sendingTenant(herald, 0);
    const funded = await sendingTenant(herald, '1.00');
    const contacts = await importContacts(herald, broke, Array.from({ length: BROKE_MESSAGES }, () => ({})));
    const fundedContact = await funded.contact();

    // Every broke message falls due at one instant after all schedule calls have answered; the funded one a moment
    // later, when the broke ones would have booked the number's next minute of slots.
    const dueAt = Date.now() + 40_000;
    const scheduled: string[] = [];
    for (let i = 0; i < contacts.length; i += 25) {
      const answers = await Promise.all(
        contacts.slice(i, i + 25).map((contact) => schedule(herald, broke, contact.id, { scheduleTime: new Date(dueAt).toISOString() })),
      );
      for (const answer of answers) {
        expect(answer.status, JSON.stringify(answer.body)).toBe(201);
        scheduled.push(answer.body.id);
      }
    }
    const fundedDueAt = dueAt + 3_000;
    const paid = await schedule(herald, funded, fundedContact, { scheduleTime: new Date(fundedDueAt).toISOString() });
    expect(paid.status).toBe(201);
    expect(Date.now()).toBeLessThan(dueAt);

    const sent = await waitForMessage(herald, funded.token, paid.body.id, (message) => message.sentAt !== null, 120_000);
    expect(sent).toMatchObject({ status: 'SENT', chargeState: 'CHARGED' });
    // On a loaded machine a few seconds go to the 300 refusals themselves; a queue behind them would take a minute.
    const late = Date.parse(sent.sentAt) - fundedDueAt;
    expect(late, `sent ${late} ms after its time`).toBeLessThan(10_000);

    // Each broke message failed as the debit fails it: INSUFFICIENT_FUNDS, nothing charged, nothing sent.
    for (const id of [scheduled[0]!, scheduled.at(-1)!]) {
      const failed = await waitForMessage(herald, broke.token, id, (message) => message.status === 'FAILED', 60_000);
      expect(failed).toMatchObject({ status: 'FAILED', failureReason: 'INSUFFICIENT_FUNDS', chargeState: 'NONE', cost: null });
      expect(failed.history.at(-1)).toMatchObject({ status: 'FAILED', detail: 'INSUFFICIENT_FUNDS: Insufficient funds: the balance is 0.0000, 0.0200 is needed' });
    }
    await expect.poll(() => failedCount(herald, broke.token), { timeout: 60_000 }).toBe(BROKE_MESSAGES);
    const phones = new Set(contacts.map((contact) => contact.phone));
    expect(herald.sandbox.sent.filter((record) => phones.has(record.to))).toEqual([]);
    expect((await rest(herald, 'GET', '/billing/balance', undefined, bearer(broke.token))).body.balance).toBe('0.0000');
  });
});
