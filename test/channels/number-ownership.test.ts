// Nobody takes a number that is not theirs: the platform's shared number is never a tenant's channel, and in
// cloud mode a number is registered only with a token Meta accepts for it, under the WABA Meta lists it in —
// checked before anyone is told that a number is registered already.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, registerTenant } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { freshWabaId, metaNumber } from './support.ts';

const newToken = () => `EAAG${randomBytes(24).toString('base64url')}`;

async function channelsOf(herald: Harness, token: string) {
  return (await rest(herald, 'GET', '/channels', undefined, bearer(token))).body.items;
}

describe('the platform number in sandbox mode', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ mounted: true });
  });
  afterAll(() => herald?.close());

  it('is never a tenant channel: POST /channels and Embedded Signup answer 409 CHANNEL_EXISTS, and nothing is stored', async () => {
    const admin = await registerTenant(herald);
    const platform = herald.config.whatsapp.phoneNumberId;
    const direct = await rest(herald, 'POST', '/channels', { name: 'Mine', wabaId: '310000000000001', phoneNumberId: platform, accessToken: newToken() }, bearer(admin.token));
    expect(direct.status, JSON.stringify(direct.body)).toBe(409);
    expect(direct.body).toMatchObject({ code: 'CONFLICT', data: { reason: 'CHANNEL_EXISTS' } });

    const signup = await rest(herald, 'POST', '/channels/embedded-signup', { code: 'any-code', wabaId: '310000000000001', phoneNumberId: platform }, bearer(admin.token));
    expect(signup.status, JSON.stringify(signup.body)).toBe(409);
    expect(signup.body.data.reason).toBe('CHANNEL_EXISTS');
    expect(await channelsOf(herald, admin.token)).toEqual([]);
  });
});

describe('numbers in cloud mode: Meta decides who owns a number before Herald says it is taken', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ cloud: true, env: { META_APP_ID: '1234567890', META_APP_SECRET: randomBytes(16).toString('hex') } });
  });
  afterAll(() => herald?.close());

  it('refuses the platform number with 409 CHANNEL_EXISTS, whatever the token', async () => {
    const admin = await registerTenant(herald);
    const platform = herald.config.whatsapp.phoneNumberId;
    for (const accessToken of [newToken(), herald.config.whatsapp.accessToken!]) {
      const answer = await rest(herald, 'POST', '/channels', { name: 'Mine', wabaId: '310000000000001', phoneNumberId: platform, accessToken }, bearer(admin.token));
      expect(answer.status, JSON.stringify(answer.body)).toBe(409);
      expect(answer.body.data.reason).toBe('CHANNEL_EXISTS');
    }
    expect(await channelsOf(herald, admin.token)).toEqual([]);
  });

  it('refuses a number its WABA does not list with 422 NUMBER_NOT_IN_WABA, and finds one on a later page', async () => {
    const admin = await registerTenant(herald);
    const home = freshWabaId();
    const elsewhere = freshWabaId();
    const number = metaNumber(herald, home);
    // The token reaches the number, but names a WABA it has no access to.
    const foreign = await rest(herald, 'POST', '/channels', { name: 'Line', wabaId: elsewhere, ...number }, bearer(admin.token));
    expect(foreign.status, JSON.stringify(foreign.body)).toBe(422);
    expect(foreign.body).toMatchObject({ code: 'UNPROCESSABLE_CONTENT', data: { reason: 'NUMBER_NOT_IN_WABA' } });

    // One business token for two WABAs (a system user's): the other WABA exists and is reachable, but lists other numbers.
    metaNumber(herald, elsewhere, number.accessToken);
    const unlisted = await rest(herald, 'POST', '/channels', { name: 'Line', wabaId: elsewhere, ...number }, bearer(admin.token));
    expect(unlisted.status, JSON.stringify(unlisted.body)).toBe(422);
    expect(unlisted.body.data.reason).toBe('NUMBER_NOT_IN_WABA');
    expect(await channelsOf(herald, admin.token)).toEqual([]);

    // A WABA with more numbers than one page of Meta's answer holds (100 at most): the last one is still found.
    const big = freshWabaId();
    const token = newToken();
    let last = metaNumber(herald, big, token);
    for (let i = 0; i < 120; i++) last = metaNumber(herald, big, token);
    const found = await rest(herald, 'POST', '/channels', { name: 'Line', wabaId: big, ...last }, bearer(admin.token));
    expect(found.status, JSON.stringify(found.body)).toBe(201);
    expect(found.body).toMatchObject({ wabaId: big, phoneNumberId: last.phoneNumberId, displayPhoneNumber: '+1 555 010 2000' });
  });

  it("answers 422 before 409: a registered number is 'taken' only for a caller Meta accepts for it", async () => {
    const owner = await registerTenant(herald);
    const wabaId = freshWabaId();
    const number = metaNumber(herald, wabaId);
    expect((await rest(herald, 'POST', '/channels', { name: 'Line', wabaId, ...number }, bearer(owner.token))).status).toBe(201);

    const stranger = await registerTenant(herald);
    const badToken = await rest(herald, 'POST', '/channels', { name: 'Copy', wabaId, phoneNumberId: number.phoneNumberId, accessToken: newToken() }, bearer(stranger.token));
    expect(badToken.status, JSON.stringify(badToken.body)).toBe(422);
    expect(badToken.body.data.reason).toBe('META_REFUSED');
    expect(badToken.body.message).toContain('code 190');

    // A token Meta accepts, for the stranger's own number: it does not reach the owner's number either.
    const own = metaNumber(herald, freshWabaId());
    const unowned = await rest(herald, 'POST', '/channels', { name: 'Copy', wabaId, phoneNumberId: number.phoneNumberId, accessToken: own.accessToken }, bearer(stranger.token));
    expect(unowned.status, JSON.stringify(unowned.body)).toBe(422);
    expect(unowned.body.code).toBe('UNPROCESSABLE_CONTENT');
    expect(await channelsOf(herald, stranger.token)).toEqual([]);

    // Whoever holds the number's own token learns it is registered.
    const holder = await registerTenant(herald);
    const again = await rest(herald, 'POST', '/channels', { name: 'Copy', wabaId, ...number }, bearer(holder.token));
    expect(again.status).toBe(409);
    expect(again.body.data.reason).toBe('CHANNEL_EXISTS');
  });

  it('Embedded Signup: the number must be one of the WABA it names (422 NUMBER_NOT_IN_WABA), and no app is subscribed', async () => {
    const admin = await registerTenant(herald);
    const code = `AQ${randomBytes(32).toString('base64url')}`;
    const number = { phoneNumberId: `8${String(Date.now()).slice(-12)}`, wabaId: freshWabaId(), accessToken: newToken() };
    herald.sandbox.addSignupCode(code, number);
    const otherWaba = freshWabaId();
    const answer = await rest(herald, 'POST', '/channels/embedded-signup', { code, wabaId: otherWaba, phoneNumberId: number.phoneNumberId }, bearer(admin.token));
    expect(answer.status, JSON.stringify(answer.body)).toBe(422);
    expect(answer.body.data.reason).toBe('NUMBER_NOT_IN_WABA');
    expect(herald.sandbox.subscriptions).not.toContain(otherWaba);
    expect(await channelsOf(herald, admin.token)).toEqual([]);
  });
});
