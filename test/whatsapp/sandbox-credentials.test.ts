// Sandbox mode hands nobody a credential that can send: the simulator's code exchange answers only codes that
// a signed-in ADMIN's Embedded Signup issued, and each simulator token reaches the number and WABA it was issued
// for, nothing else.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelTokenOf } from '../../server/modules/channels/channels.service.ts';
import { SANDBOX_WABA_ID } from '../../server/modules/whatsapp/sandbox-format.ts';
import { bearer, registerTenant } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';

let seq = Math.floor(Math.random() * 1_000_000);
const freshId = (lead: string) => `${lead}${String(Date.now()).slice(-8)}${String(seq++).padStart(6, '0')}`;

describe('sandbox credentials, the simulator mounted in the API as under `npm start`', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ mounted: true });
  });
  afterAll(() => herald?.close());

  const graph = (path: string) => `${herald.url}/sandbox/graph/v23.0${path}`;
  const call = async (method: 'GET' | 'POST', path: string, token: string, body?: unknown) => {
    const response = await fetch(graph(path), {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const sendFrom = (phoneNumberId: string, token: string) =>
    call('POST', `/${phoneNumberId}/messages`, token, {
      messaging_product: 'whatsapp',
      to: '15551234567',
      type: 'template',
      template: { name: 'order_update', language: { code: 'en' } },
    });
  const createTemplateUnder = (wabaId: string, token: string) =>
    call('POST', `/${wabaId}/message_templates`, token, {
      name: `probe_${randomBytes(4).toString('hex')}`,
      language: 'en_US',
      category: 'UTILITY',
      components: [{ type: 'BODY', text: 'Hello' }],
    });
  /** Refused in Meta's error format: 190 (token unknown) or 100 (no permission on that object). */
  const expectRefused = (answer: { status: number; body: any }, what: string) => {
    expect(answer.status, `${what}: ${JSON.stringify(answer.body)}`).toBeGreaterThanOrEqual(400);
    expect([190, 100], what).toContain(answer.body.error?.code);
  };

  it('answers the unauthenticated code exchange with the sandbox app for no code of its choosing, so nothing sends from the platform number', async () => {
    const exchange = await fetch(graph('/oauth/access_token?client_id=sandbox-app&client_secret=sandbox-app-secret&code=any-code-will-do'));
    const body = (await exchange.json()) as any;
    expect(exchange.status, JSON.stringify(body)).toBe(400);
    expect(body).toMatchObject({ error: { code: 100, type: 'OAuthException' } });
    expect(body.access_token).toBeUndefined();
    // Whatever the exchange answered, it is no credential for the platform number.
    expectRefused(await sendFrom(herald.config.whatsapp.phoneNumberId, body.access_token ?? 'none'), 'send from the platform number');
  });

  it("binds a channel's simulator token to its own number and WABA: another tenant's and the platform's are refused", async () => {
    const first = await registerTenant(herald);
    const a = { phoneNumberId: freshId('6'), wabaId: freshId('4') };
    const signedUp = await rest(herald, 'POST', '/channels/embedded-signup', { code: 'any-code-will-do', ...a }, bearer(first.token));
    expect(signedUp.status, JSON.stringify(signedUp.body)).toBe(201);
    const second = await registerTenant(herald);
    const b = { phoneNumberId: freshId('6'), wabaId: freshId('4'), accessToken: `EAAG${randomBytes(24).toString('base64url')}` };
    expect((await rest(herald, 'POST', '/channels', { name: 'B', ...b }, bearer(second.token))).status).toBe(201);
    // The token the simulator issued for A's signup, as A's channel holds it.
    const tokenA = (await channelTokenOf(herald.orm.em.fork(), herald.services.channels.box, a.phoneNumberId))!;
    expect(tokenA).toEqual(expect.any(String));

    // Its own number and WABA: it works.
    expect((await sendFrom(a.phoneNumberId, tokenA)).status).toBe(200);
    expect((await createTemplateUnder(a.wabaId, tokenA)).status).toBe(200);
    expect((await call('GET', `/${a.wabaId}/phone_numbers`, tokenA)).body.data.map((number: any) => number.id)).toEqual([a.phoneNumberId]);

    // Anyone else's: refused.
    expectRefused(await sendFrom(b.phoneNumberId, tokenA), "send from B's number");
    expectRefused(await sendFrom(herald.config.whatsapp.phoneNumberId, tokenA), 'send from the platform number');
    expectRefused(await createTemplateUnder(b.wabaId, tokenA), "template under B's WABA");
    expectRefused(await createTemplateUnder(SANDBOX_WABA_ID, tokenA), "template under the platform's WABA");
    expectRefused(await call('GET', `/${b.wabaId}/phone_numbers`, tokenA), "B's WABA's numbers");
    expectRefused(await call('POST', `/${b.wabaId}/subscribed_apps`, tokenA), "subscribing to B's WABA");

    // And B's token, registered by hand, reaches nothing of A's.
    expectRefused(await sendFrom(a.phoneNumberId, b.accessToken), "B's token sending from A's number");
    expectRefused(await createTemplateUnder(a.wabaId, b.accessToken), "B's token under A's WABA");
  });
});
