// What a tenant's campaigns may ask of the platform: no more than its balance pays for, and no more than
// CAMPAIGNS_MAX_ACTIVE of them scheduled, running or paused at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { sendingTenant } from '../messages/support.ts';
import { createCampaign, importContacts } from './support.ts';

const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();

describe('campaign limits', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ worker: true });
  });
  afterAll(() => herald?.close());

  it('an estimatedCost above the balance is a 422 INSUFFICIENT_FUNDS and stores nothing; one the balance covers exactly is created', async () => {
    const broke = await sendingTenant(herald, 0);
    const contacts = await importContacts(herald, broke, [{}, {}, {}]);
    const refused = await createCampaign(herald, broke, { scheduleTime: inAnHour(), audience: { contactIds: contacts.map((c) => c.id) } });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'UNPROCESSABLE_CONTENT', data: { reason: 'INSUFFICIENT_FUNDS' } });
    expect((await rest(herald, 'GET', '/campaigns', undefined, bearer(broke.token))).body.items).toEqual([]);

    // UTILITY costs 0.0200: 0.04 pays for two messages, not three.
    const tenant = await sendingTenant(herald, '0.04');
    const three = await importContacts(herald, tenant, [{}, {}, {}]);
    const tooDear = await createCampaign(herald, tenant, { scheduleTime: inAnHour(), audience: { contactIds: three.map((c) => c.id) } });
    expect(tooDear.status).toBe(422);
    expect(tooDear.body.data.reason).toBe('INSUFFICIENT_FUNDS');
    const exact = await createCampaign(herald, tenant, { scheduleTime: inAnHour(), audience: { contactIds: three.slice(0, 2).map((c) => c.id) } });
    expect(exact.status, JSON.stringify(exact.body)).toBe(201);
    expect(exact.body).toMatchObject({ audienceSize: 2, estimatedCost: '0.0400' });
  });

  it('at most 5 active campaigns: the 6th is a 422 TOO_MANY_ACTIVE_CAMPAIGNS, a replay still answers 200, a cancel frees a place', async () => {
    const tenant = await sendingTenant(herald, '1.00');
    const [contact] = await importContacts(herald, tenant, [{}]);
    const body = (key: string) => ({ idempotencyKey: key, scheduleTime: inAnHour(), audience: { contactIds: [contact!.id] } });
    const bodies = Array.from({ length: 5 }, (_, i) => body(`campaign-${i}`));
    const created = [];
    for (const one of bodies) {
      const answer = await createCampaign(herald, tenant, one);
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      created.push(answer.body);
    }
    const sixth = await createCampaign(herald, tenant, body('campaign-6'));
    expect(sixth.status).toBe(422);
    expect(sixth.body).toMatchObject({ code: 'UNPROCESSABLE_CONTENT', data: { reason: 'TOO_MANY_ACTIVE_CAMPAIGNS' } });

    const replay = await createCampaign(herald, tenant, bodies[0]!);
    expect(replay.status).toBe(200);
    expect(replay.body.id).toBe(created[0].id);

    expect((await rest(herald, 'POST', `/campaigns/${created[4].id}/cancel`, undefined, bearer(tenant.token))).status).toBe(200);
    const afterCancel = await createCampaign(herald, tenant, body('campaign-6'));
    expect(afterCancel.status, JSON.stringify(afterCancel.body)).toBe(201);

    // The list (its counts in one query) shows each campaign, the cancelled one too, as its own page does.
    const listed = await rest(herald, 'GET', '/campaigns?limit=100', undefined, bearer(tenant.token));
    expect(listed.body.items.map((c: any) => c.id)).toEqual([...created.map((c) => c.id), afterCancel.body.id]);
    for (const item of listed.body.items) {
      const one = await rest(herald, 'GET', `/campaigns/${item.id}`, undefined, bearer(tenant.token));
      expect(item).toEqual(one.body);
    }
    expect(listed.body.items[4]).toMatchObject({ status: 'CANCELLED', counts: { CANCELLED: 1, SCHEDULED: 0 } });
    expect(listed.body.items[0]).toMatchObject({ status: 'SCHEDULED', counts: { SCHEDULED: 1 } });
    // Another tenant's campaigns count for it alone.
    const other = await sendingTenant(herald, '1.00');
    const [theirs] = await importContacts(herald, other, [{}]);
    expect((await createCampaign(herald, other, { scheduleTime: inAnHour(), audience: { contactIds: [theirs!.id] } })).status).toBe(201);
  });

  it('eight creations at once: exactly five are created, three refused', async () => {
    const tenant = await sendingTenant(herald, '1.00');
    const [contact] = await importContacts(herald, tenant, [{}]);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => createCampaign(herald, tenant, { scheduleTime: inAnHour(), audience: { contactIds: [contact!.id] } })),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 201, 201, 201, 201, 422, 422, 422]);
    for (const refused of answers.filter((answer) => answer.status === 422)) expect(refused.body.data.reason).toBe('TOO_MANY_ACTIVE_CAMPAIGNS');
    expect((await rest(herald, 'GET', '/campaigns?limit=100', undefined, bearer(tenant.token))).body.items).toHaveLength(5);
  });
});
