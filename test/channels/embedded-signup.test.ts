import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, registerTenant } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { eventually } from '../support/eventually.ts';
import { schedule, sendingTenant, SILENT_SANDBOX, waitForMessage } from '../messages/support.ts';
import { onChannel } from './support.ts';

let seq = Math.floor(Math.random() * 1_000_000);

/** What Meta's Embedded Signup hands a business's browser: a single-use code, its WABA and its number. */
function signupAtMeta(herald: Harness) {
  const phoneNumberId = `3${String(Date.now()).slice(-8)}${String(seq++).padStart(6, '0')}`;
  const wabaId = `4${String(Date.now()).slice(-8)}${String(seq++).padStart(6, '0')}`;
  const code = `AQ${randomBytes(32).toString('base64url')}`;
  const accessToken = `EAAG${randomBytes(24).toString('base64url')}`;
  herald.sandbox.addSignupCode(code, { phoneNumberId, wabaId, accessToken, displayPhoneNumber: '+1 555 010 3000' });
  return { code, wabaId, phoneNumberId, accessToken };
}

describe("Embedded Signup against the stand-in for Meta's Graph API (cloud mode)", () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({
      cloud: true,
      worker: true,
      sandboxDelays: SILENT_SANDBOX,
      env: { META_APP_ID: '1234567890', META_APP_SECRET: randomBytes(16).toString('hex') },
    });
  });
  afterAll(() => herald?.close());

  it('exchanges the code, subscribes the app to the WABA, stores the channel, and a message then leaves from it', async () => {
    const tenant = await sendingTenant(herald);
    const signup = signupAtMeta(herald);
    const created = await rest(
      herald,
      'POST',
      '/channels/embedded-signup',
      { code: signup.code, wabaId: signup.wabaId, phoneNumberId: signup.phoneNumberId },
      bearer(tenant.token),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      wabaId: signup.wabaId,
      phoneNumberId: signup.phoneNumberId,
      displayPhoneNumber: '+1 555 010 3000',
      status: 'ACTIVE',
      isDefault: true,
    });
    expect(JSON.stringify(created.body)).not.toContain(signup.accessToken);
    // Meta saw the app subscribe to this business's WABA, so its webhooks will reach Herald.
    expect(herald.sandbox.subscriptions).toContain(signup.wabaId);

    const scheduled = await schedule(herald, await onChannel(herald, tenant, created.body), await tenant.contact());
    expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(201);
    const sent = await waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.providerMessageId !== null);
    expect(sent).toMatchObject({ status: 'SENT', channelId: created.body.id, fromPhoneNumberId: signup.phoneNumberId });
    // The stand-in takes only the token the code yielded for this number: the send used it.
    expect(herald.sandbox.sent.find((record) => record.wamid === sent.providerMessageId)).toMatchObject({
      phoneNumberId: signup.phoneNumberId,
      httpStatus: 200,
    });
  });

  it("refuses a code Meta does not accept (unknown, or used already) with a 422 naming Meta's error, and stores nothing", async () => {
    const admin = await registerTenant(herald);
    const signup = signupAtMeta(herald);
    const unknown = await rest(
      herald,
      'POST',
      '/channels/embedded-signup',
      { code: 'AQ-not-a-code-meta-gave', wabaId: signup.wabaId, phoneNumberId: signup.phoneNumberId },
      bearer(admin.token),
    );
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ code: 'UNPROCESSABLE_CONTENT', data: { reason: 'META_REFUSED' } });
    expect(unknown.body.message).toContain('Error validating verification code');
    expect(unknown.body.message).toContain('code 100');
    expect(herald.sandbox.subscriptions).not.toContain(signup.wabaId);

    const first = await rest(herald, 'POST', '/channels/embedded-signup', { code: signup.code, wabaId: signup.wabaId, phoneNumberId: signup.phoneNumberId }, bearer(admin.token));
    expect(first.status).toBe(201);
    const other = await registerTenant(herald);
    const again = await rest(herald, 'POST', '/channels/embedded-signup', { code: signup.code, wabaId: signup.wabaId, phoneNumberId: signup.phoneNumberId }, bearer(other.token));
    // A spent code on a taken number is Meta's refusal too: only a code for the number learns that it is taken.
    expect(again.status).toBe(422);
    expect(again.body.data.reason).toBe('META_REFUSED');
    const owned = `AQ${randomBytes(32).toString('base64url')}`;
    herald.sandbox.addSignupCode(owned, { phoneNumberId: signup.phoneNumberId, wabaId: signup.wabaId, accessToken: signup.accessToken });
    const taken = await rest(herald, 'POST', '/channels/embedded-signup', { code: owned, wabaId: signup.wabaId, phoneNumberId: signup.phoneNumberId }, bearer(other.token));
    expect(taken.status).toBe(409);
    expect(taken.body.data.reason).toBe('CHANNEL_EXISTS');
    const fresh = signupAtMeta(herald);
    const spent = await rest(herald, 'POST', '/channels/embedded-signup', { code: signup.code, wabaId: fresh.wabaId, phoneNumberId: fresh.phoneNumberId }, bearer(other.token));
    expect(spent.status).toBe(422);
    expect(spent.body.data.reason).toBe('META_REFUSED');
    expect((await rest(herald, 'GET', '/channels', undefined, bearer(other.token))).body.items).toEqual([]);
  });
});

describe('Embedded Signup without the platform app configured (cloud mode)', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ cloud: true });
  });
  afterAll(() => herald?.close());

  it('answers 422 EMBEDDED_SIGNUP_NOT_CONFIGURED and calls Meta not at all', async () => {
    const admin = await registerTenant(herald);
    const signup = signupAtMeta(herald);
    const answer = await rest(
      herald,
      'POST',
      '/channels/embedded-signup',
      { code: signup.code, wabaId: signup.wabaId, phoneNumberId: signup.phoneNumberId },
      bearer(admin.token),
    );
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ code: 'UNPROCESSABLE_CONTENT', data: { reason: 'EMBEDDED_SIGNUP_NOT_CONFIGURED' } });
    expect(answer.body.message).toContain('META_APP_ID');
    expect(herald.sandbox.subscriptions).toEqual([]);
  });

  it('has no POST /sandbox/inbound outside sandbox mode: 404 SANDBOX_ONLY', async () => {
    const admin = await registerTenant(herald);
    const answer = await rest(herald, 'POST', '/sandbox/inbound', { from: '+15551234567', text: 'hi' }, bearer(admin.token));
    expect(answer.status).toBe(404);
    expect(answer.body.data.reason).toBe('SANDBOX_ONLY');
  });
});

describe('Embedded Signup in sandbox mode, the simulator mounted in the API as under `npm start`', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ mounted: true, worker: true });
  });
  afterAll(() => herald?.close());

  it('takes any code, the fresh token becomes the channel\'s, messages leave from it and its contacts can write back', async () => {
    const tenant = await sendingTenant(herald);
    const phoneNumberId = `6${String(Date.now()).slice(-12)}`;
    const created = await rest(herald, 'POST', '/channels/embedded-signup', { code: 'any-code-will-do', wabaId: '330000000000003', phoneNumberId }, bearer(tenant.token));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ phoneNumberId, wabaId: '330000000000003', isDefault: true });

    const contactId = await tenant.contact();
    const scheduled = await schedule(herald, await onChannel(herald, tenant, created.body), contactId);
    const delivered = await waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.status === 'DELIVERED' || message.status === 'READ');
    expect(delivered).toMatchObject({ channelId: created.body.id, fromPhoneNumberId: phoneNumberId });

    const contact = (await rest(herald, 'GET', '/contacts', undefined, bearer(tenant.token))).body.items.find((item: any) => item.id === contactId);
    const wrote = await rest(herald, 'POST', '/sandbox/inbound', { channelId: created.body.id, from: contact.phone, text: 'Thanks!' }, bearer(tenant.token));
    expect(wrote.status, JSON.stringify(wrote.body)).toBe(200);
    const inbox = async () => (await rest(herald, 'GET', `/inbound-messages?channelId=${created.body.id}`, undefined, bearer(tenant.token))).body.items as any[];
    const items = await eventually(inbox, (listed) => listed.length > 0, { timeoutMs: 5_000, intervalMs: 100, what: 'the reply in the inbox' });
    expect(items).toMatchObject([{ contactId, text: 'Thanks!' }]);
  });
});
