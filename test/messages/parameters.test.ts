// Schedule `parameters` are bounded, and only the template's variables are stored (and hashed for idempotency).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { schedule, sendingTenant, type SendingTenant } from './support.ts';

const later = () => new Date(Date.now() + 3600_000).toISOString();

describe('schedule parameters', () => {
  let herald: Harness;
  let tenant: SendingTenant;
  let contactId: string;
  beforeAll(async () => {
    herald = await startHarness();
    tenant = await sendingTenant(herald);
    contactId = await tenant.contact('5252');
  });
  afterAll(() => herald?.close());
  const storedParameters = async (id: string) =>
    (await herald.orm.em.getConnection().execute('select parameters from message where id = ?', [id]))[0]?.parameters;

  it('refuses more than 64 names, a name over 100 characters or a value over 1,024, saying the bound', async () => {
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, index) => [`p${index}`, 'x']));
    const cases: [Record<string, string>, RegExp][] = [
      [many, /at most 64 parameters/],
      [{ ['k'.repeat(101)]: 'x' }, /at most 100 characters/],
      [{ name: 'v'.repeat(1025) }, /at most 1024 characters/],
    ];
    for (const [parameters, bound] of cases) {
      const refused = await schedule(herald, tenant, contactId, { parameters, scheduleTime: later() });
      expect(refused.status).toBe(400);
      expect(refused.body.code).toBe('BAD_REQUEST');
      expect(JSON.stringify(refused.body.data.issues)).toMatch(bound);
    }
    expect((await rest(herald, 'GET', '/messages', undefined, bearer(tenant.token))).body.items).toEqual([]);
  });

  it("stores only the template's variables; a replay answers 200, another value for a variable 409", async () => {
    const body = { scheduleTime: later(), idempotencyKey: randomUUID(), parameters: { name: 'Al', city: 'Paris', ['x'.repeat(100)]: 'y'.repeat(1024) } };
    const created = await schedule(herald, tenant, contactId, body);
    expect(created.status).toBe(201);
    expect(created.body.parameters).toEqual({ name: 'Al' });
    const shown = await rest(herald, 'GET', `/messages/${created.body.id}`, undefined, bearer(tenant.token));
    expect(shown.body.parameters).toEqual({ name: 'Al' });
    expect(await storedParameters(created.body.id)).toEqual({ name: 'Al' });

    const replay = await schedule(herald, tenant, contactId, body);
    expect([replay.status, replay.body.id]).toEqual([200, created.body.id]);
    const otherValue = await schedule(herald, tenant, contactId, { ...body, parameters: { ...body.parameters, name: 'Bo' } });
    expect(otherValue.status).toBe(409);
    expect(otherValue.body.data.reason).toBe('IDEMPOTENCY_KEY_REUSED');
  });
});
