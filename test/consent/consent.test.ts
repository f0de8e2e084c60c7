// Consent that is honoured: a contact opts out by the API, by writing STOP, through Meta's user_preferences
// webhook or Meta's error 131050, and back in; every change is in the contact's history with its source.
import { describe, expect, it } from 'vitest';
import { bearer, createTenantUser, registerTenant } from '../support/actors.ts';
import { rest } from '../support/harness.ts';
import { registerChannel } from '../channels/support.ts';
import { postWebhook, schedule, sendingTenant, waitForMessage } from '../messages/support.ts';
import { consentChange, consentScene, contactOf, reached, userPreference, waitForContact, write } from './support.ts';

const later = () => new Date(Date.now() + 3600_000).toISOString();

describe('consent: opting out and back in', () => {
  const scene = consentScene();

  it('by the API: MARKETING refuses marketing templates only, ALL refuses every template, opt-in ALL lifts both', async () => {
    const contactId = await scene.tenant.contact('4242', 'Ada');
    expect(await contactOf(scene.herald, scene.tenant.token, contactId)).toMatchObject({ optOut: 'NONE', optedOut: false, consentHistory: [] });

    const out = await consentChange(scene.herald, scene.tenant.token, contactId, 'opt-out', 'MARKETING');
    expect(out.status).toBe(200);
    expect(out.body).toMatchObject({ id: contactId, optOut: 'MARKETING', consentHistory: [{ scope: 'MARKETING', change: 'OPT_OUT', source: 'API' }] });
    const marketing = await schedule(scene.herald, scene.tenant, contactId, { templateId: scene.marketingId, scheduleTime: later() });
    expect(marketing.status).toBe(422);
    expect(marketing.body).toMatchObject({ code: 'UNPROCESSABLE_CONTENT', data: { reason: 'CONTACT_OPTED_OUT' } });
    expect((await schedule(scene.herald, scene.tenant, contactId, { scheduleTime: later() })).status).toBe(201);

    // A SUB_ADMIN may change consent too; ALL now stops even UTILITY templates.
    const operator = await createTenantUser(scene.herald, scene.tenant, 'SUB_ADMIN');
    expect((await consentChange(scene.herald, operator.token, contactId, 'opt-out', 'ALL')).body.optOut).toBe('ALL');
    const utility = await schedule(scene.herald, scene.tenant, contactId, { scheduleTime: later() });
    expect(utility.status).toBe(422);
    expect(utility.body.data.reason).toBe('CONTACT_OPTED_OUT');

    // Lifting MARKETING alone leaves the stop of everything in force.
    expect((await consentChange(scene.herald, scene.tenant.token, contactId, 'opt-in', 'MARKETING')).body.optOut).toBe('ALL');
    const back = await consentChange(scene.herald, scene.tenant.token, contactId, 'opt-in', 'ALL');
    expect(back.body.optOut).toBe('NONE');
    expect(back.body.consentHistory.map((event: any) => `${event.change} ${event.scope} ${event.source}`)).toEqual([
      'OPT_OUT MARKETING API',
      'OPT_OUT ALL API',
      'OPT_IN MARKETING API',
      'OPT_IN ALL API',
    ]);
    expect((await schedule(scene.herald, scene.tenant, contactId, { templateId: scene.marketingId, scheduleTime: later() })).status).toBe(201);
    // The list shows the same state.
    const listed = await rest(scene.herald, 'GET', `/contacts?search=Ada`, undefined, bearer(scene.tenant.token));
    expect(listed.body.items.find((item: any) => item.id === contactId)).toMatchObject({ optOut: 'NONE', optedOut: false });
  });

  it("refuses another tenant's contact (404), an unknown scope (400) and an operator without a tenant (403)", async () => {
    const contactId = await scene.tenant.contact('4242', 'Bea');
    const other = await registerTenant(scene.herald, 'Other');
    const foreign = await consentChange(scene.herald, other.token, contactId, 'opt-out', 'ALL');
    expect(foreign.status).toBe(404);
    expect(foreign.body).toMatchObject({ code: 'NOT_FOUND', data: { reason: 'CONTACT_NOT_FOUND' } });
    expect((await rest(scene.herald, 'GET', `/contacts/${contactId}`, undefined, bearer(other.token))).status).toBe(404);
    const bad = await rest(scene.herald, 'POST', `/contacts/${contactId}/opt-out`, { scope: 'SOME' }, bearer(scene.tenant.token));
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('BAD_REQUEST');
    expect((await rest(scene.herald, 'GET', '/contacts/not-a-uuid', undefined, bearer(scene.tenant.token))).status).toBe(400);
    expect((await contactOf(scene.herald, scene.tenant.token, contactId)).optOut).toBe('NONE');
  });

  it('by writing STOP (any case, trimmed) or UNSUBSCRIBE: out of everything; START: back in; other text changes nothing', async () => {
    const contactId = await scene.tenant.contact('4242', 'Cy');
    const phone = (await contactOf(scene.herald, scene.tenant.token, contactId)).phone;
    // On the platform number a reply is the tenant's whose message it answers.
    const quoting = await reached(scene.herald, scene.tenant, contactId);
    await write(scene.herald, phone, 'stop please', { quoting });
    expect((await contactOf(scene.herald, scene.tenant.token, contactId)).optOut).toBe('NONE');

    // The sandbox's "write back", as a new user would try it: Meta's signed webhook reaches Herald.
    const simulated = await rest(scene.herald, 'POST', '/sandbox/inbound', { from: phone, text: '  Stop ' }, bearer(scene.tenant.token));
    expect(simulated.status).toBe(200);
    const stopped = await waitForContactState(contactId, 'ALL');
    expect(stopped.consentHistory).toMatchObject([{ scope: 'ALL', change: 'OPT_OUT', source: 'INBOUND_KEYWORD' }]);
    expect((await schedule(scene.herald, scene.tenant, contactId, { scheduleTime: later() })).body.data.reason).toBe('CONTACT_OPTED_OUT');

    // Meta delivers the same message again: nothing more is recorded.
    const envelope = await write(scene.herald, phone, 'UNSUBSCRIBE', { quoting });
    expect((await postWebhook(scene.herald, envelope)).status).toBe(200);
    expect((await contactOf(scene.herald, scene.tenant.token, contactId)).consentHistory).toHaveLength(1);

    await write(scene.herald, phone, 'start', { quoting });
    const started = await contactOf(scene.herald, scene.tenant.token, contactId);
    expect(started.optOut).toBe('NONE');
    expect(started.consentHistory.map((event: any) => `${event.change} ${event.source}`)).toEqual(['OPT_OUT INBOUND_KEYWORD', 'OPT_IN INBOUND_KEYWORD']);
    expect((await schedule(scene.herald, scene.tenant, contactId, { scheduleTime: later() })).status).toBe(201);

    // A STOP Meta delivers late, older than the START already applied, does not undo it.
    await write(scene.herald, phone, 'STOP', { at: new Date(Date.now() - 600_000), quoting });
    expect((await contactOf(scene.herald, scene.tenant.token, contactId)).optOut).toBe('NONE');
  });

  const waitForContactState = (contactId: string, optOut: string) =>
    waitForContact(scene.herald, scene.tenant.token, contactId, (contact) => contact.optOut === optOut);

  it("by Meta's user_preferences on a channel's number: out of MARKETING for that channel's tenant only; resume: back in", async () => {
    // Not the default: the scene's templates were made for the platform number, where its messages keep going.
    const channel = await registerChannel(scene.herald, scene.tenant, { isDefault: false });
    const contactId = await scene.tenant.contact('4242', 'Dee');
    const phone = (await contactOf(scene.herald, scene.tenant.token, contactId)).phone;
    // Another tenant knows the same person; the preference is about this tenant's number, not theirs.
    const other = await sendingTenant(scene.herald, '0');
    await rest(scene.herald, 'POST', '/contacts/import', { contacts: [{ phone, name: 'Dee' }] }, bearer(other.token));
    const otherContact = (await rest(scene.herald, 'GET', `/contacts?search=${phone.slice(1)}`, undefined, bearer(other.token))).body.items[0];

    await userPreference(scene.herald, phone, 'stop', { phoneNumberId: channel.phoneNumberId });
    const stopped = await contactOf(scene.herald, scene.tenant.token, contactId);
    expect(stopped).toMatchObject({ optOut: 'MARKETING', consentHistory: [{ scope: 'MARKETING', change: 'OPT_OUT', source: 'META_USER_PREFERENCES' }] });
    expect((await contactOf(scene.herald, other.token, otherContact.id)).optOut).toBe('NONE');
    expect((await schedule(scene.herald, scene.tenant, contactId, { templateId: scene.marketingId, scheduleTime: later() })).status).toBe(422);
    expect((await schedule(scene.herald, scene.tenant, contactId, { scheduleTime: later() })).status).toBe(201);

    await userPreference(scene.herald, phone, 'resume', { phoneNumberId: channel.phoneNumberId });
    expect((await contactOf(scene.herald, scene.tenant.token, contactId)).optOut).toBe('NONE');
    // A stop from before the resume, delivered after it, is stale.
    await userPreference(scene.herald, phone, 'stop', { phoneNumberId: channel.phoneNumberId, at: new Date(Date.now() - 600_000) });
    const after = await contactOf(scene.herald, scene.tenant.token, contactId);
    expect(after.optOut).toBe('NONE');
    expect(after.consentHistory).toHaveLength(2);
  });

  it("by Meta's error 131050 (sandbox …0004): out of MARKETING, recorded with its source", async () => {
    const contactId = await scene.tenant.contact('0004', 'Eve');
    const scheduled = await schedule(scene.herald, scene.tenant, contactId, { templateId: scene.marketingId });
    expect(scheduled.status).toBe(201);
    const failed = await waitForMessage(scene.herald, scene.tenant.token, scheduled.body.id, (message) => message.chargeState === 'REFUNDED');
    expect(failed).toMatchObject({ status: 'FAILED', failureReason: 'PROVIDER_REJECTED', providerErrorCode: 131050 });
    expect(await contactOf(scene.herald, scene.tenant.token, contactId)).toMatchObject({
      optOut: 'MARKETING',
      consentHistory: [{ scope: 'MARKETING', change: 'OPT_OUT', source: 'META_ERROR_131050' }],
    });
  });
});
