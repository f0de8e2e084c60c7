import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTenantUser } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { balanceOf, sendingTenant, sendsTo } from '../messages/support.ts';
import { createPolicy } from '../escalations/support.ts';
import { campaignWorkflowCount, createCampaign, importContacts, optOut, waitForCampaign } from './support.ts';
import { expectLedgerConsistent } from '../billing/support.ts';

describe('campaigns: one template to many contacts', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ worker: true });
  });
  afterAll(() => herald?.close());

  it('50 contacts, 2 opted out: 48 messages, counts converge to READ and FAILED, money follows', async () => {
    const tenant = await sendingTenant(herald, '10.00');
    const contacts = await importContacts(herald, tenant, [
      ...Array.from({ length: 46 }, () => ({})),
      // The sandbox reports this number's message as failed after the send: refunded.
      { suffix: '0000' },
      ...Array.from({ length: 3 }, () => ({})),
    ]);
    const optedOut = [contacts[0]!, contacts[1]!];
    await optOut(herald, optedOut.map((contact) => contact.id));

    const created = await createCampaign(herald, tenant, { audience: { contactIds: contacts.map((contact) => contact.id) } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ audienceSize: 48, excluded: { optedOut: 2, invalid: 0 }, estimatedCost: '0.9600', status: 'SCHEDULED' });

    // The refund follows the failed status a moment later (the message's workflow settles it).
    const done = await waitForCampaign(
      herald,
      tenant.token,
      created.body.id,
      (c) => c.status === 'COMPLETED' && c.counts.READ + c.counts.FAILED === 48 && c.refunded !== '0.0000',
    );
    expect(done).toMatchObject({ status: 'COMPLETED', counts: { READ: 47, FAILED: 1, SCHEDULED: 0, CANCELLED: 0 }, charged: '0.9600', refunded: '0.0200' });
    expect(await balanceOf(herald, tenant.token)).toBe('9.0600');
    expect(sendsTo(herald, optedOut.map((contact) => contact.phone))).toEqual([]);
    expect(sendsTo(herald, contacts.slice(2).map((contact) => contact.phone))).toHaveLength(48);

    const failed = await rest(herald, 'GET', `/campaigns/${created.body.id}/messages?status=FAILED`, undefined, bearer(tenant.token));
    expect(failed.body.items).toHaveLength(1);
    expect(failed.body.items[0]).toMatchObject({ contactId: contacts[46]!.id, chargeState: 'REFUNDED' });
    const firstPage = await rest(herald, 'GET', `/campaigns/${created.body.id}/messages?limit=30`, undefined, bearer(tenant.token));
    const secondPage = await rest(herald, 'GET', `/campaigns/${created.body.id}/messages?limit=30&cursor=${firstPage.body.nextCursor}`, undefined, bearer(tenant.token));
    expect(new Set([...firstPage.body.items, ...secondPage.body.items].map((message: any) => message.contactId)).size).toBe(48);

    // The Temporal UI finds the campaign's workflow and its 48 message workflows by CampaignId.
    await expect.poll(() => campaignWorkflowCount(herald, created.body.id), { timeout: 15_000 }).toBe(49);
    await expectLedgerConsistent(herald);
  });

  it('a replay with the same body answers 200 with the same campaign; another body under the key is a 409', async () => {
    const tenant = await sendingTenant(herald, '1.00');
    const contacts = await importContacts(herald, tenant, [{}, {}]);
    const body = { idempotencyKey: 'spring-sale', scheduleTime: new Date(Date.now() + 3600_000).toISOString(), audience: { contactIds: contacts.map((c) => c.id) } };
    const first = await createCampaign(herald, tenant, body);
    expect(first.status).toBe(201);
    const replay = await createCampaign(herald, tenant, body);
    expect(replay.status).toBe(200);
    expect(replay.body.id).toBe(first.body.id);
    const other = await createCampaign(herald, tenant, { ...body, name: 'Another name' });
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ code: 'CONFLICT', data: { reason: 'IDEMPOTENCY_KEY_REUSED' } });
    const listed = await rest(herald, 'GET', '/campaigns', undefined, bearer(tenant.token));
    expect(listed.body.items.map((c: any) => c.id)).toEqual([first.body.id]);
  });

  it('a filter audience: by attributes and search, fixed at creation; contacts missing a variable are excluded as invalid', async () => {
    const tenant = await sendingTenant(herald, '1.00');
    await importContacts(herald, tenant, [
      { name: 'Ann Paris', attributes: { city: 'Paris', plan: 'gold' } },
      { name: 'Bob Paris', attributes: { city: 'Paris' } },
      { name: 'Cid Paris', attributes: { city: 'Paris', plan: 'silver' } },
      { name: 'Dan Rome', attributes: { city: 'Rome', plan: 'gold' } },
    ]);
    const template = await rest(
      herald,
      'POST',
      '/templates',
      { name: 'plan_news', content: 'Your {{1}} plan', variables: ['attributes.plan'], metaTemplateId: 'meta_2', status: 'APPROVED', category: 'MARKETING' },
      bearer(tenant.token),
    );
    const byCity = await createCampaign(herald, { token: tenant.token, templateId: template.body.id }, {
      scheduleTime: new Date(Date.now() + 3600_000).toISOString(),
      audience: { filter: { attributes: { city: 'Paris' } } },
    });
    expect(byCity.status, JSON.stringify(byCity.body)).toBe(201);
    // Bob has no plan: the MARKETING price (0.05) times the two others.
    expect(byCity.body).toMatchObject({ audienceSize: 2, excluded: { optedOut: 0, invalid: 1 }, estimatedCost: '0.1000' });
    const bySearch = await createCampaign(herald, tenant, { scheduleTime: new Date(Date.now() + 3600_000).toISOString(), audience: { filter: { search: 'rome' } } });
    expect(bySearch.body).toMatchObject({ audienceSize: 1, excluded: { optedOut: 0, invalid: 0 } });
    // Contacts imported later are not in it.
    await importContacts(herald, tenant, [{ name: 'Eve Paris', attributes: { city: 'Paris', plan: 'gold' } }]);
    const again = await rest(herald, 'GET', `/campaigns/${byCity.body.id}`, undefined, bearer(tenant.token));
    expect(again.body.audienceSize).toBe(2);
  });

  it("another tenant's template, channel or escalation policy is a 422; unknown contact ids count as invalid", async () => {
    const mine = await sendingTenant(herald, '1.00');
    const theirs = await sendingTenant(herald, '1.00');
    const [contact] = await importContacts(herald, mine, [{}]);
    const [theirContact] = await importContacts(herald, theirs, [{}]);
    const theirPolicy = await createPolicy(herald, theirs, [{ after: 'PT1M', unless: 'READ', notify: { contactId: theirContact!.id, templateId: theirs.templateId } }]);
    const audience = { contactIds: [contact!.id] };
    const template = await createCampaign(herald, { token: mine.token, templateId: theirs.templateId }, { audience });
    expect(template.status).toBe(422);
    expect(template.body).toMatchObject({ code: 'UNPROCESSABLE_CONTENT', data: { reason: 'TEMPLATE_NOT_FOUND' } });
    const policy = await createCampaign(herald, mine, { audience, escalationPolicyId: theirPolicy });
    expect(policy.status).toBe(422);
    expect(policy.body.data.reason).toBe('ESCALATION_POLICY_NOT_FOUND');
    const channel = await createCampaign(herald, mine, { audience, channelId: crypto.randomUUID() });
    expect(channel.status).toBe(422);
    expect(channel.body.data.reason).toBe('CHANNEL_NOT_FOUND');
    const mixed = await createCampaign(herald, mine, { scheduleTime: new Date(Date.now() + 3600_000).toISOString(), audience: { contactIds: [contact!.id, theirContact!.id] } });
    expect(mixed.body).toMatchObject({ audienceSize: 1, excluded: { optedOut: 0, invalid: 1 } });
    // Their campaign is not found from here.
    expect((await rest(herald, 'GET', `/campaigns/${mixed.body.id}`, undefined, bearer(theirs.token))).status).toBe(404);
    expect((await rest(herald, 'POST', `/campaigns/${mixed.body.id}/pause`, undefined, bearer(theirs.token))).status).toBe(404);
  });

  it('roles: ADMIN creates and controls, SUB_ADMIN reads only; a finished campaign answers 409 to pause, resume and cancel', async () => {
    const tenant = await sendingTenant(herald, '1.00');
    const sub = await createTenantUser(herald, tenant, 'SUB_ADMIN');
    const [contact] = await importContacts(herald, tenant, [{}]);
    const body = { audience: { contactIds: [contact!.id] } };
    expect((await createCampaign(herald, { token: sub.token, templateId: tenant.templateId }, body)).status).toBe(403);
    const created = await createCampaign(herald, tenant, body);
    expect(created.status).toBe(201);
    const id = created.body.id;
    for (const path of [`/campaigns/${id}`, '/campaigns', `/campaigns/${id}/messages`]) {
      expect((await rest(herald, 'GET', path, undefined, bearer(sub.token))).status).toBe(200);
    }
    for (const action of ['pause', 'resume', 'cancel']) {
      expect((await rest(herald, 'POST', `/campaigns/${id}/${action}`, undefined, bearer(sub.token))).status).toBe(403);
    }
    await waitForCampaign(herald, tenant.token, id, (c) => c.status === 'COMPLETED');
    for (const action of ['pause', 'resume', 'cancel']) {
      const answer = await rest(herald, 'POST', `/campaigns/${id}/${action}`, undefined, bearer(tenant.token));
      expect(answer.status).toBe(409);
      expect(answer.body).toMatchObject({ code: 'CONFLICT', data: { reason: 'CAMPAIGN_STATE_CONFLICT' } });
    }
  });
});
