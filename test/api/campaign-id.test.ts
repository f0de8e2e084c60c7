// The campaigns contract: a campaign's messages are ordinary messages that name their campaign; others say null.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { schedule, sendingTenant } from '../messages/support.ts';
import { createCampaign, importContacts } from '../campaigns/support.ts';

describe('messages carry campaignId', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ worker: true });
  });
  afterAll(() => herald?.close());

  it('is the campaign on its messages (one, list, campaign list) and null on a message scheduled alone', async () => {
    const tenant = await sendingTenant(herald, '10.00');
    const get = (path: string) => rest(herald, 'GET', path, undefined, bearer(tenant.token));

    const single = await schedule(herald, tenant, await tenant.contact());
    expect(single.status).toBe(201);
    expect(single.body).toHaveProperty('campaignId', null);

    const contacts = await importContacts(herald, tenant, [{}, {}]);
    const created = await createCampaign(herald, tenant, { audience: { contactIds: contacts.map((contact) => contact.id) } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const campaignId = created.body.id as string;

    // The campaign's messages come into being from its workflow, shortly after.
    await expect.poll(async () => (await get(`/campaigns/${campaignId}/messages`)).body.items.length, { timeout: 30_000 }).toBe(2);
    const ofCampaign = (await get(`/campaigns/${campaignId}/messages`)).body.items as { id: string; campaignId: string | null }[];
    expect(ofCampaign.map((message) => message.campaignId)).toEqual([campaignId, campaignId]);

    expect((await get(`/messages/${ofCampaign[0]!.id}`)).body).toHaveProperty('campaignId', campaignId);
    expect((await get(`/messages/${single.body.id}`)).body).toHaveProperty('campaignId', null);
    const listed = new Map(((await get('/messages?limit=100')).body.items as { id: string; campaignId: string | null }[]).map((m) => [m.id, m.campaignId]));
    expect(Object.fromEntries(listed)).toEqual({ [single.body.id]: null, [ofCampaign[0]!.id]: campaignId, [ofCampaign[1]!.id]: campaignId });

    // The OpenAPI document says so too.
    const document = (await rest(herald, 'GET', '/openapi.json')).body;
    expect(document.components.schemas.Message.properties.campaignId.anyOf).toEqual([expect.objectContaining({ format: 'uuid' }), { type: 'null' }]);
    expect(document.components.schemas.Message.required).toContain('campaignId');
  });
});
