import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT_BYTES, buildApp } from '../../server/http/app.ts';
import { whatsappSettings } from '../../server/modules/whatsapp/sandbox-token.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';

describe('the HTTP surface answers bad requests with clear 4xx JSON, never a 500', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness();
  });
  afterAll(() => herald?.close());

  it('reports liveness', async () => {
    const response = await rest(herald, 'GET', '/healthz');
    expect(response).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(response.headers.get('x-request-id')).toMatch(/[0-9a-f-]{36}/);
  });

  it('refuses malformed JSON with 400', async () => {
    const response = await rest(herald, 'POST', '/system/echo', '{"text": ');
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('JSON') });
  });

  it('refuses unknown fields and wrong types with 400 listing the fields', async () => {
    // A public procedure, so validation is reached without a token (echo now needs the operator's).
    const unknown = await rest(herald, 'POST', '/auth/login', { email: 'a@example.com', password: 'hi', extra: true });
    expect(unknown.status).toBe(400);
    expect(unknown.body.data.issues).toEqual([expect.objectContaining({ message: expect.stringContaining('extra') })]);

    const wrongType = await rest(herald, 'POST', '/auth/login', { email: 'a@example.com', password: 42 });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.data.issues).toEqual([expect.objectContaining({ path: 'password' })]);
  });

  it('refuses a body over the limit with 413', async () => {
    const response = await rest(herald, 'POST', '/system/echo', { text: 'x'.repeat(BODY_LIMIT_BYTES) });
    expect(response.status).toBe(413);
    expect(response.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers unknown routes with 404 JSON on both REST and tRPC', async () => {
    const restMissing = await rest(herald, 'GET', '/no/such/route');
    expect(restMissing.status).toBe(404);
    expect(restMissing.body.code).toBe('NOT_FOUND');

    const trpcMissing = await rest(herald, 'GET', '/trpc/no.such.procedure');
    expect(trpcMissing.status).toBe(404);
  });

  it('answers a documented path called with another method with 405 and Allow, before reading the body', async () => {
    const remove = await rest(herald, 'DELETE', '/templates');
    expect(remove.status).toBe(405);
    expect(remove.headers.get('allow')).toBe('GET, POST');
    expect(remove.body).toMatchObject({ code: 'METHOD_NOT_SUPPORTED', message: expect.stringContaining('GET, POST') });
    const trace = await herald.app.inject({ method: 'TRACE', url: `/messages/${crypto.randomUUID()}` });
    expect([trace.statusCode, trace.headers.allow]).toEqual([405, 'GET']);
    const put = await rest(herald, 'PUT', '/messages/schedule', 'not json at all', { 'content-type': 'text/plain' });
    expect([put.status, put.headers.get('allow')]).toEqual([405, 'POST']);
    const options = await rest(herald, 'OPTIONS', '/contacts');
    expect([options.status, options.headers.get('allow')]).toEqual([204, 'GET']);
    // Paths that are not documented keep their own answers.
    expect((await rest(herald, 'DELETE', '/no/such/route')).status).toBe(404);
  });

  it('serves the OpenAPI document and the API reference page', async () => {
    const document = await rest(herald, 'GET', '/openapi.json');
    expect(document.status).toBe(200);
    expect(document.body.openapi).toMatch(/^3\./);
    expect(document.body.paths['/system/echo'].post).toBeDefined();
    expect(document.body.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });

    const docs = await fetch(`${herald.url}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('Herald API reference');
  });
});

describe('request ids and access logs carry nothing a client can forge or steal', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness();
  });
  afterAll(() => herald?.close());
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

  it("keeps a client's short, safe X-Request-Id and replaces a crafted one with a fresh id", async () => {
    const kept = await rest(herald, 'GET', '/healthz', undefined, { 'x-request-id': 'checkout-42.retry_1' });
    expect(kept.headers.get('x-request-id')).toBe('checkout-42.retry_1');

    const long = await rest(herald, 'GET', '/healthz', undefined, { 'x-request-id': 'a'.repeat(500) });
    expect(long.headers.get('x-request-id')).toMatch(UUID);
    const spaced = await rest(herald, 'GET', '/healthz', undefined, { 'x-request-id': 'ok" level="fatal' });
    expect(spaced.headers.get('x-request-id')).toMatch(UUID);

    // A raw newline cannot pass a real HTTP client, so this one goes through Fastify's injector.
    const forged = await herald.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc\n{"level":"fatal"}' } });
    expect(forged.headers['x-request-id']).toMatch(UUID);
  });

  it('writes the webhook verification request to the access log without its verify token', async () => {
    const lines: string[] = [];
    const verifyToken = 'verify-me-7f3a9c1e';
    const services = { ...herald.services, config: { ...herald.services.config, WHATSAPP_VERIFY_TOKEN: verifyToken } };
    const app = await buildApp(services, { logger: { stream: { write: (line: string) => void lines.push(line) }, level: 'info' }, mountSandbox: false });
    try {
      const url = `/webhook/meta?hub.mode=subscribe&hub.verify_token=${verifyToken}&hub.challenge=1158201444`;
      const answer = await app.inject({ method: 'GET', url });
      expect(answer.statusCode).toBe(200);
      expect(answer.body).toBe('1158201444');
      await app.inject({ method: 'GET', url: `/users?access_token=EAAGsecret123&client_secret=shh-42&code=oauth-code-9&page=2` });
    } finally {
      await app.close();
    }
    const logged = lines.join('');
    expect(logged).toContain('/webhook/meta?hub.mode=subscribe&hub.verify_token=[redacted]&hub.challenge=1158201444');
    expect(logged).toContain('page=2');
    for (const secret of [verifyToken, 'EAAGsecret123', 'shh-42', 'oauth-code-9']) expect(logged).not.toContain(secret);
  });
});

describe('the sandbox Graph API on the public listener (sandbox mode)', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness();
  });
  afterAll(() => herald?.close());

  it("answers only the bearer token Herald's worker sends with", async () => {
    const app = await buildApp(herald.services, { logger: false });
    try {
      // …0001 is refused by the simulator itself, so an accepted token shows as Meta's 131026 and no webhook is due.
      const payload = { messaging_product: 'whatsapp', to: '15551230001', type: 'template', template: { name: 'hello', language: { code: 'en' } } };
      const call = (authorization?: string) =>
        app.inject({ method: 'POST', url: `/sandbox/graph/v23.0/${herald.config.whatsapp.phoneNumberId}/messages`, headers: authorization ? { authorization } : {}, payload });
      for (const authorization of [undefined, 'Bearer sandbox-token', 'Bearer anything']) {
        const refused = await call(authorization);
        expect(refused.statusCode, String(authorization)).toBe(401);
        expect(refused.json()).toMatchObject({ error: { code: 190, type: 'OAuthException' } });
      }
      const { accessToken } = await whatsappSettings(herald.config);
      const accepted = await call(`Bearer ${accessToken}`);
      expect(accepted.statusCode).toBe(400);
      expect(accepted.json()).toMatchObject({ error: { code: 131026 } });
    } finally {
      await app.close();
    }
  });
});
