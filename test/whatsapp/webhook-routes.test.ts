import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPayload } from '../../server/modules/whatsapp/signature.ts';
import { registerWebhookRoutes } from '../../server/modules/whatsapp/webhook-routes.ts';
import { inboundMessageOnly, severalStatuses, startReceiver, type Receiver } from './fixtures.ts';

const appSecret = 'meta-app-secret';
const verifyToken = 'herald-verify-token';

async function post(receiver: Receiver, raw: string | Buffer, headers: Record<string, string> = {}) {
  const response = await fetch(`${receiver.url}/webhook/meta`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: raw,
  });
  return { status: response.status, body: await response.json() };
}
const signed = (raw: string) => ({ 'x-hub-signature-256': signPayload(Buffer.from(raw), appSecret) });

describe("Meta's webhook verification handshake", () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver({ appSecret, verifyToken });
  });
  afterAll(() => receiver?.close());
  const verify = (query: string) => fetch(`${receiver.url}/webhook/meta?${query}`);

  it('echoes the challenge as plain text when the mode and token match', async () => {
    const response = await verify(`hub.mode=subscribe&hub.verify_token=${verifyToken}&hub.challenge=1158201444`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe('1158201444');
  });

  it('refuses a wrong token, a wrong mode or no token with 403', async () => {
    for (const query of [
      'hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1',
      `hub.mode=unsubscribe&hub.verify_token=${verifyToken}&hub.challenge=1`,
      'hub.mode=subscribe&hub.challenge=1',
    ]) {
      const response = await verify(query);
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ code: 'FORBIDDEN', message: expect.any(String) });
    }
  });

  it('refuses every verification when Herald has no verify token configured', async () => {
    const unconfigured = await startReceiver({ appSecret });
    try {
      const response = await fetch(`${unconfigured.url}/webhook/meta?hub.mode=subscribe&hub.verify_token=&hub.challenge=1`);
      expect(response.status).toBe(403);
    } finally {
      await unconfigured.close();
    }
  });
});

describe('status notifications from Meta', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver({ appSecret, verifyToken });
  });
  afterAll(() => receiver?.close());

  it('delivers every status of a signed payload with several entries and changes', async () => {
    const raw = JSON.stringify(severalStatuses);
    const response = await post(receiver, raw, signed(raw));
    expect(response).toEqual({ status: 200, body: { received: 4 } });
    expect(receiver.statuses.map((s) => `${s.wamid}:${s.status}`)).toEqual([
      'wamid.AAA:sent',
      'wamid.AAA:delivered',
      'wamid.BBB:failed',
      'wamid.CCC:read',
    ]);
    expect(receiver.statuses[2]).toMatchObject({ errorCode: 131026, errorTitle: 'Message undeliverable' });
  });

  it('answers 200 with nothing to process for an inbound customer message', async () => {
    const before = receiver.statuses.length;
    const raw = JSON.stringify(inboundMessageOnly);
    expect(await post(receiver, raw, signed(raw))).toEqual({ status: 200, body: { received: 0 } });
    expect(receiver.statuses).toHaveLength(before);
  });

  it('refuses a missing, wrong, or re-serialised-body signature with 401 and processes nothing', async () => {
    const before = receiver.statuses.length;
    const raw = JSON.stringify(severalStatuses);
    const pretty = JSON.stringify(severalStatuses, null, 2);
    for (const [body, headers] of [
      [raw, {}],
      [raw, { 'x-hub-signature-256': 'sha256=' + '0'.repeat(64) }],
      [raw, { 'x-hub-signature-256': signPayload(Buffer.from(raw), 'someone-else') }],
      [pretty, signed(raw)],
    ] as const) {
      const response = await post(receiver, body, headers);
      expect(response).toEqual({ status: 401, body: { code: 'UNAUTHORIZED', message: expect.any(String) } });
    }
    expect(receiver.statuses).toHaveLength(before);
  });

  it('refuses an unsigned body of any content type with 401, not 415', async () => {
    const response = await post(receiver, 'hello', { 'content-type': 'text/plain' });
    expect(response.status).toBe(401);
  });

  it('answers 400 for a correctly signed body that is not JSON, or not the envelope', async () => {
    const notJson = 'object=whatsapp_business_account';
    expect(await post(receiver, notJson, signed(notJson))).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    const notEnvelope = JSON.stringify({ object: 'page', entry: [] });
    expect(await post(receiver, notEnvelope, signed(notEnvelope))).toMatchObject({
      status: 400,
      body: { code: 'BAD_REQUEST', message: expect.stringContaining('object') },
    });
  });

  it('refuses every notification with 401 when no app secret is configured', async () => {
    const unconfigured = await startReceiver({ verifyToken });
    try {
      const raw = JSON.stringify(severalStatuses);
      expect((await post(unconfigured, raw, signed(raw))).status).toBe(401);
      expect(unconfigured.statuses).toHaveLength(0);
    } finally {
      await unconfigured.close();
    }
  });

  it('answers 500 when the statuses cannot be processed, so Meta delivers them again', async () => {
    const failing = await startReceiver({
      appSecret,
      onStatuses: async () => {
        throw new Error('database unavailable');
      },
    });
    try {
      const raw = JSON.stringify(severalStatuses);
      expect(await post(failing, raw, signed(raw))).toMatchObject({ status: 500 });
    } finally {
      await failing.close();
    }
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const raw = JSON.stringify({ ...severalStatuses, padding: 'x'.repeat(1024 * 1024) });
    expect((await post(receiver, raw, signed(raw))).status).toBe(413);
  });
});

describe('the raw-body parser stays inside the webhook plugin', () => {
  it('leaves JSON parsing untouched for the rest of the app', async () => {
    const app = Fastify({ logger: false });
    app.post('/echo', async (request) => ({ parsed: request.body }));
    await registerWebhookRoutes(app, { appSecret, verifyToken, onStatuses: async () => {} });
    try {
      const response = await app.inject({ method: 'POST', url: '/echo', payload: { hello: 'world' } });
      expect(response.json()).toEqual({ parsed: { hello: 'world' } });
      const raw = JSON.stringify(inboundMessageOnly);
      const webhook = await app.inject({ method: 'POST', url: '/webhook/meta', payload: raw, headers: { 'content-type': 'application/json', ...signed(raw) } });
      expect(webhook.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
