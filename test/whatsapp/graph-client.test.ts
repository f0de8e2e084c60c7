import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGraphClient } from '../../server/modules/whatsapp/graph-client.ts';
import { startSandboxServer, type SandboxServer } from '../../server/modules/whatsapp/sandbox-server.ts';
import { WhatsAppError } from '../../server/modules/whatsapp/types.ts';
import { freePort } from '../../server/shared/ports.ts';
import { startReceiver, type Receiver } from './fixtures.ts';

const appSecret = 'sandbox-secret';
const send = (to: string, bodyParameters: string[] = ['Ada']) => ({ to, templateName: 'welcome_message', language: 'en_US', bodyParameters });

async function refusal(promise: Promise<unknown>): Promise<WhatsAppError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(WhatsAppError);
  return error as WhatsAppError;
}

/** A bare HTTP server that answers each request with `answer` (or never, when it is undefined). */
async function startRawServer(answer?: { status: number; body: unknown }) {
  const requests: { url: string | undefined; headers: http.IncomingHttpHeaders; body: string }[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      requests.push({ url: request.url, headers: request.headers, body });
      if (answer) response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('sending a template through the Graph API client', () => {
  let receiver: Receiver;
  let sandbox: SandboxServer;
  beforeAll(async () => {
    receiver = await startReceiver({ appSecret });
    sandbox = await startSandboxServer({ webhookUrl: `${receiver.url}/webhook/meta`, appSecret, delaysMs: { sent: 10, delivered: 20, read: 30 } });
  });
  afterAll(async () => {
    await sandbox?.close();
    await receiver?.close();
  });
  const client = () => createGraphClient({ baseUrl: sandbox.url, version: 'v23.0', phoneNumberId: '106540352242922', accessToken: sandbox.accessToken });

  it('returns the wamid of an accepted send, and the sandbox saw the template as sent', async () => {
    const { wamid } = await client().sendTemplate(send('+15551234567', ['Ada', 'order #42']));
    expect(wamid).toMatch(/^wamid\.\S+$/);
    expect(sandbox.sent.at(-1)).toEqual({
      phoneNumberId: '106540352242922',
      to: '+15551234567',
      templateName: 'welcome_message',
      language: 'en_US',
      bodyParameters: ['Ada', 'order #42'],
      httpStatus: 200,
      wamid,
      errorCode: undefined,
      receivedAt: expect.any(Number),
    });
  });

  it("throws a 'never' WhatsAppError when Meta refuses the recipient (…0001 → 131026)", async () => {
    const error = await refusal(client().sendTemplate(send('+15551230001')));
    expect(error).toMatchObject({ code: 131026, httpStatus: 400, advice: 'never', fbtraceId: expect.any(String) });
    expect(error.message).toContain('131026');
  });

  it("throws 'retry' twice for a throttled recipient (…0002 → 130429), then succeeds", async () => {
    const sender = client();
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const error = await refusal(sender.sendTemplate(send('+15551230002')));
      expect(error).toMatchObject({ code: 130429, httpStatus: 429, advice: 'retry' });
    }
    await expect(sender.sendTemplate(send('+15551230002'))).resolves.toEqual({ wamid: expect.stringMatching(/^wamid\./) });
    expect(sandbox.sent.filter((record) => record.to === '+15551230002').map((record) => record.httpStatus)).toEqual([429, 429, 200]);
  });

  it("refuses a bad token with Meta's code 190 and advice 'never'", async () => {
    const sender = createGraphClient({ baseUrl: sandbox.url, version: 'v23.0', phoneNumberId: '1', accessToken: '' });
    await expect(refusal(sender.sendTemplate(send('+15551234567')))).resolves.toMatchObject({ code: 190, httpStatus: 401, advice: 'never' });
  });

  it("advises 'retry' when nothing listens on the port", async () => {
    const port = await freePort();
    const sender = createGraphClient({ baseUrl: `http://127.0.0.1:${port}`, version: 'v23.0', phoneNumberId: '1', accessToken: 't' });
    const error = await refusal(sender.sendTemplate(send('+15551234567')));
    expect(error).toMatchObject({ code: undefined, httpStatus: undefined, advice: 'retry' });
    expect(error.message).toContain('network error');
  });

  it("advises 'retry' when Meta does not answer in time", async () => {
    const silent = await startRawServer();
    try {
      const sender = createGraphClient({ baseUrl: silent.url, version: 'v23.0', phoneNumberId: '1', accessToken: 't', timeoutMs: 200 });
      const started = Date.now();
      const error = await refusal(sender.sendTemplate(send('+15551234567')));
      expect(error).toMatchObject({ httpStatus: undefined, advice: 'retry' });
      expect(error.message).toContain('200 ms');
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await silent.close();
    }
  });
});

describe("the Graph API request and Meta's answers, byte for byte", () => {
  it('posts the documented body to /{version}/{phone number id}/messages with the bearer token', async () => {
    const meta = await startRawServer({ status: 200, body: { messaging_product: 'whatsapp', contacts: [{ input: '15551234567', wa_id: '15551234567' }], messages: [{ id: 'wamid.ABC' }] } });
    try {
      const sender = createGraphClient({ baseUrl: `${meta.url}/`, version: 'v23.0', phoneNumberId: '106540352242922', accessToken: 'EAAG-secret' });
      await expect(sender.sendTemplate(send('+15551234567', ['Ada']))).resolves.toEqual({ wamid: 'wamid.ABC' });
      await sender.sendTemplate({ ...send('+15551234567', []), callbackData: 'herald:message:42' });
      const [withParameters, without] = meta.requests;
      expect(withParameters?.url).toBe('/v23.0/106540352242922/messages');
      expect(withParameters?.headers.authorization).toBe('Bearer EAAG-secret');
      expect(withParameters?.headers['content-type']).toBe('application/json');
      expect(JSON.parse(withParameters!.body)).toEqual({
        messaging_product: 'whatsapp',
        to: '15551234567',
        type: 'template',
        template: { name: 'welcome_message', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ada' }] }] },
      });
      expect(JSON.parse(without!.body).template).toEqual({ name: 'welcome_message', language: { code: 'en_US' } });
      // Meta returns it with the message's statuses.
      expect(JSON.parse(without!.body).biz_opaque_callback_data).toBe('herald:message:42');
    } finally {
      await meta.close();
    }
  });

  it("reads Meta's error body: code, details and fbtrace_id; a 5xx without a body is retried", async () => {
    const paused = await startRawServer({
      status: 400,
      body: { error: { message: '(#132015) Template is paused', type: 'OAuthException', code: 132015, error_data: { messaging_product: 'whatsapp', details: 'Template paused due to low quality' }, fbtrace_id: 'AbCdEf' } },
    });
    const broken = await startRawServer({ status: 502, body: 'Bad gateway' });
    try {
      const options = { version: 'v23.0', phoneNumberId: '1', accessToken: 't' };
      const error = await refusal(createGraphClient({ ...options, baseUrl: paused.url }).sendTemplate(send('+15551234567')));
      expect(error).toMatchObject({ code: 132015, httpStatus: 400, advice: 'never', fbtraceId: 'AbCdEf', details: 'Template paused due to low quality' });
      expect(error.message).not.toContain('Bearer');
      const outage = await refusal(createGraphClient({ ...options, baseUrl: broken.url }).sendTemplate(send('+15551234567')));
      expect(outage).toMatchObject({ code: undefined, httpStatus: 502, advice: 'retry' });
    } finally {
      await paused.close();
      await broken.close();
    }
  });
});
