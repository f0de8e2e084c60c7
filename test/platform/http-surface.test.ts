import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT_BYTES } from '../../server/http/app.ts';
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
