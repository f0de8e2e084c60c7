import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postEntry } from '../../server/modules/billing/ledger.service.ts';
import { units } from '../../server/shared/money.ts';
import { bearer, registerTenant, type TenantAdmin } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { expectLedgerConsistent } from './support.ts';

/** Resolves with the call's answer, or with 'timed out' if it has not answered within `ms`. */
const within = <T>(ms: number, call: Promise<T>) =>
  Promise.race([call, new Promise<'timed out'>((resolve) => setTimeout(() => resolve('timed out'), ms))]);

describe("a posting holds the tenant's balance, not the tenant's other writes", () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness();
  });
  afterEach(() => expectLedgerConsistent(herald));
  afterAll(() => herald?.close());

  /**
   * Posts through postEntry inside a transaction that stays open, as a debit does while its activity
   * finishes, so the balance lock is held until `release` is called.
   */
  async function holdBalanceLock(admin: TenantAdmin) {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const done = herald.orm.em.fork().transactional(async (tx) => {
      await postEntry(tx, { tenantId: admin.tenantId, type: 'CREDIT', reason: 'TOPUP', amount: units(10_000n), description: 'held' });
      locked();
      await released;
    });
    await isLocked;
    return { release, done };
  }

  it('lets a contact import and a template create of that tenant complete while the lock is held', async () => {
    const acme = await registerTenant(herald);
    const lock = await holdBalanceLock(acme);
    const imported = rest(herald, 'POST', '/contacts/import', { contacts: [{ phone: '+15551234567', name: 'Alice' }] }, bearer(acme.token));
    const template = rest(
      herald,
      'POST',
      '/templates',
      { name: 'welcome_message', content: 'Hello {{1}}', variables: ['name'], metaTemplateId: 'meta_1', status: 'APPROVED' },
      bearer(acme.token),
    );
    try {
      const [importAnswer, templateAnswer] = await Promise.all([within(5_000, imported), within(5_000, template)]);
      expect(importAnswer === 'timed out' ? importAnswer : importAnswer.status).toBe(200);
      expect(templateAnswer === 'timed out' ? templateAnswer : templateAnswer.status).toBe(201);
    } finally {
      lock.release();
      await lock.done;
      await Promise.allSettled([imported, template]);
    }
    const balance = await rest(herald, 'GET', '/billing/balance', undefined, bearer(acme.token));
    expect(balance.body.balance).toBe('1.0000');
  });
});
