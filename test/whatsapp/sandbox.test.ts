import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { generatedSandboxToken, sandboxTokenFile } from '../../server/modules/whatsapp/sandbox-token.ts';
import { createGraphClient } from '../../server/modules/whatsapp/graph-client.ts';
import { registerWhatsAppSandbox } from '../../server/modules/whatsapp/sandbox.ts';
import { startSandboxServer, type SandboxServer } from '../../server/modules/whatsapp/sandbox-server.ts';
import { registerWebhookRoutes } from '../../server/modules/whatsapp/webhook-routes.ts';
import type { ProviderStatus } from '../../server/modules/whatsapp/types.ts';
import { freePort } from '../../server/shared/ports.ts';
import { eventually } from '../support/eventually.ts';
import { startReceiver, type Receiver } from './fixtures.ts';

const appSecret = 'shared-app-secret';
const accessToken = 'herald-generated-sandbox-token';
/** Webhooks arrive on the sandbox's timers: `check` passes within five seconds. */
const arrives = (check: () => void) => eventually(check, undefined, { timeoutMs: 5_000, intervalMs: 25, what: 'the webhooks' });
const send = (to: string) => ({ to, templateName: 'order_update', language: 'en', bodyParameters: ['Ada'] });

describe('the sandbox plays a message lifecycle through signed webhooks', () => {
  let receiver: Receiver;
  let sandbox: SandboxServer;
  beforeAll(async () => {
    receiver = await startReceiver({ appSecret });
    sandbox = await startSandboxServer({ accessToken, webhookUrl: `${receiver.url}/webhook/meta`, appSecret, delaysMs: { sent: 20, delivered: 120, read: 220 } });
  });
  afterAll(async () => {
    await sandbox?.close();
    await receiver?.close();
  });
  const client = () => createGraphClient({ baseUrl: sandbox.url, version: 'v23.0', phoneNumberId: '106540352242922', accessToken });
  const of = (wamid: string) => receiver.statuses.filter((status) => status.wamid === wamid);

  it('reports sent, then delivered, then read for an ordinary number', async () => {
    const { wamid } = await client().sendTemplate(send('+15551234567'));
    await arrives(() => expect(of(wamid).map((s) => s.status)).toEqual(['sent', 'delivered', 'read']));
    expect(of(wamid)[0]).toMatchObject({ recipientId: '15551234567', errorCode: undefined, timestamp: expect.any(Date) });
    const [sent, , read] = of(wamid) as [ProviderStatus, ProviderStatus, ProviderStatus];
    expect(Math.abs(sent.timestamp.getTime() - Date.now())).toBeLessThan(5000);
    expect(read.timestamp.getTime()).toBeGreaterThanOrEqual(sent.timestamp.getTime());
  });

  it('accepts a …0000 number, then reports it failed with 131026 and nothing else', async () => {
    const { wamid } = await client().sendTemplate(send('+15551230000'));
    await arrives(() => expect(of(wamid)).toHaveLength(1));
    expect(of(wamid)[0]).toMatchObject({ status: 'failed', errorCode: 131026, errorTitle: 'Message undeliverable' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(of(wamid)).toHaveLength(1);
  });

  it("answers a malformed send in Meta's error format with code 100", async () => {
    const post = (body: string) =>
      fetch(`${sandbox.url}/v23.0/1/messages`, { method: 'POST', headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' }, body });
    const wrongShape = await post(JSON.stringify({ messaging_product: 'whatsapp', to: '15551234567', type: 'text', text: { body: 'hi' } }));
    expect(wrongShape.status).toBe(400);
    expect(await wrongShape.json()).toMatchObject({ error: { code: 100, type: 'OAuthException', error_data: { details: expect.stringContaining('type') }, fbtrace_id: expect.any(String) } });
    const notJson = await post('{"messaging_product":');
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: { code: 100 } });
  });
});

describe('retrying webhook deliveries, and stopping cleanly', () => {
  it('retries a webhook the receiver refused, until it is accepted', async () => {
    let refusals = 1;
    const statuses: ProviderStatus[] = [];
    const receiver = await startReceiver({
      appSecret,
      onStatuses: async (batch) => {
        if (refusals-- > 0) throw new Error('temporarily down');
        statuses.push(...batch);
      },
    });
    const sandbox = await startSandboxServer({
      accessToken,
      webhookUrl: `${receiver.url}/webhook/meta`,
      appSecret,
      delaysMs: { sent: 10, delivered: 5000, read: 5000 },
      retryDelaysMs: [50],
    });
    try {
      const sender = createGraphClient({ baseUrl: sandbox.url, version: 'v23.0', phoneNumberId: '1', accessToken });
      await sender.sendTemplate(send('+15550000000'));
      await arrives(() => expect(statuses.map((s) => s.status)).toEqual(['failed']));
    } finally {
      await sandbox.close();
      await receiver.close();
    }
  });

  it('signs with the app secret, so a receiver holding another secret rejects every webhook', async () => {
    const receiver = await startReceiver({ appSecret: 'a-different-secret' });
    const sandbox = await startSandboxServer({ accessToken, webhookUrl: `${receiver.url}/webhook/meta`, appSecret, delaysMs: { sent: 10, delivered: 20, read: 30 }, retryDelaysMs: [] });
    try {
      await createGraphClient({ baseUrl: sandbox.url, version: 'v23.0', phoneNumberId: '1', accessToken }).sendTemplate(send('+15551234567'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(receiver.statuses).toHaveLength(0);
    } finally {
      await sandbox.close();
      await receiver.close();
    }
  });

  it('runs inside the same app as the webhook routes, as Herald does in sandbox mode', async () => {
    const statuses: ProviderStatus[] = [];
    const port = await freePort();
    const herald = Fastify({ logger: false });
    await registerWebhookRoutes(herald, { appSecret, verifyToken: undefined, onStatuses: async (batch) => void statuses.push(...batch) });
    await registerWhatsAppSandbox(herald, { accessToken, webhookUrl: `http://127.0.0.1:${port}/webhook/meta`, appSecret, delaysMs: { sent: 10, delivered: 30, read: 50 } });
    await herald.listen({ port, host: '127.0.0.1' });
    try {
      const sender = createGraphClient({ baseUrl: `http://127.0.0.1:${port}/sandbox/graph`, version: 'v23.0', phoneNumberId: '1', accessToken });
      const { wamid } = await sender.sendTemplate(send('+447700900123'));
      await arrives(() => expect(statuses.filter((s) => s.wamid === wamid).map((s) => s.status)).toEqual(['sent', 'delivered', 'read']));
    } finally {
      await herald.close();
    }
  });

  it('cancels pending webhooks when the app closes', async () => {
    const receiver = await startReceiver({ appSecret });
    const herald = Fastify({ logger: false });
    await registerWhatsAppSandbox(herald, { accessToken, webhookUrl: `${receiver.url}/webhook/meta`, appSecret, delaysMs: { sent: 10, delivered: 30, read: 400 } });
    await herald.listen({ port: 0, host: '127.0.0.1' });
    try {
      const address = herald.server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const sender = createGraphClient({ baseUrl: `http://127.0.0.1:${port}/sandbox/graph`, version: 'v23.0', phoneNumberId: '1', accessToken });
      await sender.sendTemplate(send('+15551234567'));
      await arrives(() => expect(receiver.statuses.map((s) => s.status)).toEqual(['sent', 'delivered']));
      await herald.close();
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(receiver.statuses.map((s) => s.status)).toEqual(['sent', 'delivered']);
    } finally {
      await herald.close();
      await receiver.close();
    }
  });
});

describe('only Herald may call the sandbox, and it remembers a bounded number of recipients', () => {
  let receiver: Receiver;
  let sandbox: SandboxServer;
  beforeAll(async () => {
    receiver = await startReceiver({ appSecret });
    sandbox = await startSandboxServer({ accessToken, maxThrottledNumbers: 50, webhookUrl: `${receiver.url}/webhook/meta`, appSecret, delaysMs: { sent: 10, delivered: 20, read: 30 } });
  });
  afterAll(async () => {
    await sandbox?.close();
    await receiver?.close();
  });
  const post = (headers: Record<string, string>) =>
    fetch(`${sandbox.url}/v23.0/1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ messaging_product: 'whatsapp', to: '15551234567', type: 'template', template: { name: 'order_update', language: { code: 'en' } } }),
    });

  it("answers a missing or wrong bearer token with 401 in Meta's format, and posts no webhook", async () => {
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer not-the-token' }, { authorization: `Bearer ${accessToken}x` }, { authorization: accessToken }]) {
      const answer = await post(headers);
      expect(answer.status, JSON.stringify(headers)).toBe(401);
      expect(await answer.json()).toMatchObject({ error: { code: 190, type: 'OAuthException', fbtrace_id: expect.any(String) } });
    }
    const stranger = createGraphClient({ baseUrl: sandbox.url, version: 'v23.0', phoneNumberId: '1', accessToken: 'guessed' });
    await expect(stranger.sendTemplate(send('+15551234567'))).rejects.toMatchObject({ code: 190, httpStatus: 401 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sandbox.sent).toEqual([]);
    expect(receiver.statuses).toEqual([]);

    expect((await post({ authorization: `Bearer ${accessToken}` })).status).toBe(200);
    await arrives(() => expect(receiver.statuses.map((s) => s.status)).toEqual(['sent', 'delivered', 'read']));
  });

  it('keeps the throttling count of at most maxThrottledNumbers recipients, however many it sees', async () => {
    const sender = createGraphClient({ baseUrl: sandbox.url, version: 'v23.0', phoneNumberId: '1', accessToken });
    for (let index = 0; index < 200; index += 1) {
      const to = `+1555${String(index).padStart(3, '0')}0002`;
      await expect(sender.sendTemplate(send(to))).rejects.toMatchObject({ code: 130429 });
    }
    expect(sandbox.throttledNumbers()).toBe(50);
    // The most recent numbers are still counted: the second throttle, then acceptance.
    await expect(sender.sendTemplate(send('+15551990002'))).rejects.toMatchObject({ code: 130429 });
    await expect(sender.sendTemplate(send('+15551990002'))).resolves.toEqual({ wamid: expect.stringMatching(/^wamid\./) });
  });
});

describe("the sandbox token Herald generates for its API and worker", () => {
  it('is created once under the data directory, private, and the same for processes starting together', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'herald-sandbox-token-'));
    try {
      const tokens = await Promise.all(Array.from({ length: 8 }, () => generatedSandboxToken(dataDir)));
      expect(new Set(tokens).size).toBe(1);
      expect(tokens[0]).toMatch(/^[\w-]{43}$/);
      expect(await generatedSandboxToken(dataDir)).toBe(tokens[0]);
      expect((await stat(sandboxTokenFile(dataDir))).mode & 0o077).toBe(0);
      const other = await mkdtemp(path.join(os.tmpdir(), 'herald-sandbox-token-'));
      expect(await generatedSandboxToken(other)).not.toBe(tokens[0]);
      await rm(other, { recursive: true, force: true });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
