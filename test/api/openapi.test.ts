import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, registerTenant } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { CONTRACT } from './contract.ts';
import { declaredRoles, PROCEDURES } from './declared-roles.ts';

/** Checks a value against the JSON Schema subset the document uses; returns what does not match. */
function mismatches(value: unknown, schema: any, document: any, at = 'body'): string[] {
  if (schema.$ref) return mismatches(value, schema.$ref.split('/').slice(1).reduce((node: any, key: string) => node[key], document), document, at);
  const kind = Array.isArray(value) ? 'array' : value === null ? 'null' : Number.isInteger(value) ? 'integer' : typeof value;
  const types = [schema.type].flat().filter(Boolean);
  if (types.length > 0 && !types.includes(kind) && !(kind === 'integer' && types.includes('number'))) return [`${at} is ${kind}, documented ${types}`];
  if (kind === 'array' && schema.items) return (value as unknown[]).flatMap((item, index) => mismatches(item, schema.items, document, `${at}[${index}]`));
  if (kind !== 'object') return [];
  const record = value as Record<string, unknown>;
  const problems = (schema.required ?? []).filter((key: string) => !(key in record)).map((key: string) => `${at}.${key} is missing`);
  for (const [key, item] of Object.entries(record)) {
    if (schema.properties?.[key]) problems.push(...mismatches(item, schema.properties[key], document, `${at}.${key}`));
    else if (schema.additionalProperties === false) problems.push(`${at}.${key} is not documented`);
  }
  return problems;
}

describe('the OpenAPI document', () => {
  let herald: Harness;
  let document: any;
  beforeAll(async () => {
    herald = await startHarness();
    document = (await rest(herald, 'GET', '/openapi.json')).body;
  });
  afterAll(() => herald?.close());

  it('is a valid OpenAPI 3 document by the official schema', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toMatch(/^3\./);
  });

  it('lists every route of the contract with a summary, tags, and its request and response schemas', () => {
    for (const route of CONTRACT) {
      const operation = document.paths[route.path]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation.summary, `${route.method} ${route.path} summary`).toBeTruthy();
      expect(operation.tags?.length, `${route.method} ${route.path} tags`).toBeGreaterThan(0);
      const replay = route.path === '/messages/schedule' ? ['200'] : [];
      expect(Object.keys(operation.responses).filter((code) => code.startsWith('2')).sort(), `${route.path} success`).toEqual([...replay, String(route.status)]);
      expect(operation.responses[String(route.status)].content['application/json'].schema, `${route.path} response`).toBeDefined();
      if (route.method === 'POST' && !route.noBody) expect(operation.requestBody?.content['application/json'], `${route.path} body`).toBeDefined();
      if (route.noBody) expect(operation.requestBody, `${route.path} has no body`).toBeUndefined();
      const inPath = (operation.parameters ?? []).filter((parameter: { in: string }) => parameter.in === 'path');
      expect(inPath.map((parameter: { name: string; required: boolean }) => [parameter.name, parameter.required]), `${route.path} path`).toEqual(
        (route.pathParams ?? []).map((name) => [name, true]),
      );
    }
  });

  it('declares bearer authentication, required exactly on the routes that are not public, which say they need none', () => {
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    for (const route of CONTRACT) {
      const operation = document.paths[route.path][route.method.toLowerCase()];
      const isPublic = declaredRoles(route.procedure) === 'public';
      expect(operation.security, `${route.path} security`).toEqual(isPublic ? [] : [{ bearerAuth: [] }]);
    }
  });

  it("states who may call each operation, as its procedure declares: in x-roles and at the start of its description", () => {
    for (const { procedure, meta } of PROCEDURES) {
      const operation = document.paths[meta!.openapi!.path]?.[meta!.openapi!.method.toLowerCase()];
      expect(operation?.['x-roles'], procedure).toEqual(meta!.roles);
      const who = meta!.roles === 'public' ? 'public, no token needed' : meta!.roles.join(', ');
      expect(operation.description, procedure).toMatch(new RegExp(`^Roles: ${who}\\.`));
    }
    expect(document.paths['/billing/balance'].get['x-roles']).toEqual(['SUPER_ADMIN', 'ADMIN', 'SUB_ADMIN']);
    expect(document.paths['/auth/login'].post['x-roles']).toBe('public');
  });

  it('documents the error answers: 401/403 on protected routes, 404 on routes with an id, the business conflicts', () => {
    for (const route of CONTRACT) {
      const responses = Object.keys(document.paths[route.path][route.method.toLowerCase()].responses);
      if (declaredRoles(route.procedure) !== 'public') expect(responses, route.path).toEqual(expect.arrayContaining(['401', '403']));
      if (route.path.includes('{')) expect(responses, route.path).toContain('404');
    }
    expect(Object.keys(document.paths['/messages/schedule'].post.responses)).toEqual(expect.arrayContaining(['409', '422']));
    expect(Object.keys(document.paths['/auth/login'].post.responses)).toEqual(expect.arrayContaining(['401', '429']));
  });

  it('documents both answers of an idempotent creation: 201 for the first request, 200 for an identical replay', () => {
    expect(Object.keys(document.paths['/messages/schedule'].post.responses)).toEqual(expect.arrayContaining(['200', '201']));
    expect(Object.keys(document.paths['/templates'].post.responses)).not.toContain('200');
  });

  it('describes every error body Herald really answers, status by status', async () => {
    const admin = await registerTenant(herald);
    const as = bearer(admin.token);
    const template = await rest(herald, 'POST', '/templates', { name: 'pending_one', content: 'Hi', variables: [], metaTemplateId: 'm1', status: 'PENDING' }, as);
    const contacts = await rest(herald, 'POST', '/contacts/import', { contacts: [{ phone: '+15551234567', name: 'Ada' }] }, as);
    const contactId = (await rest(herald, 'GET', '/contacts', undefined, as)).body.items[0].id;
    expect([template.status, contacts.status]).toEqual([201, 200]);
    const schedule = { templateId: template.body.id, contactId, scheduleTime: new Date(Date.now() + 86_400_000).toISOString(), idempotencyKey: 'k1' };
    const cases: [string, string, Promise<{ status: number; body: any }>, number][] = [
      ['post', '/templates', rest(herald, 'POST', '/templates', { name: 1 }, as), 400],
      ['post', '/templates', rest(herald, 'POST', '/templates', '{"name":', as), 400],
      ['get', '/contacts', rest(herald, 'GET', '/contacts?limit=abc', undefined, as), 400],
      ['get', '/contacts', rest(herald, 'GET', '/contacts'), 401],
      ['get', '/messages', rest(herald, 'GET', '/messages', undefined, bearer('not-a-jwt')), 401],
      ['get', '/tenants', rest(herald, 'GET', '/tenants', undefined, as), 403],
      ['get', '/messages/{id}', rest(herald, 'GET', `/messages/${crypto.randomUUID()}`, undefined, as), 404],
      ['post', '/auth/register-tenant', rest(herald, 'POST', '/auth/register-tenant', { tenantName: 'A', slug: admin.slug, adminEmail: `x${admin.email}`, adminPassword: 'password123', adminName: 'A' }), 409],
      ['post', '/templates', rest(herald, 'POST', '/templates', 'x'.repeat(5 * 1024 * 1024), as), 413],
      ['post', '/templates', rest(herald, 'POST', '/templates', 'name=x', { ...as, 'content-type': 'text/plain' }), 415],
      ['post', '/messages/schedule', rest(herald, 'POST', '/messages/schedule', schedule, as), 422],
    ];
    for (const [method, path, answer, status] of cases) {
      const { status: got, body } = await answer;
      expect(got, `${method} ${path}: ${JSON.stringify(body)}`).toBe(status);
      const documented = document.paths[path][method].responses[String(status)];
      expect(documented, `${method} ${path} documents ${status}`).toBeDefined();
      expect(mismatches(body, documented.content['application/json'].schema, document), `${method} ${path} ${status}`).toEqual([]);
    }
  });

  it('answers and documents a REST error as exactly {code, message, data?}, the offending fields in data.issues only', async () => {
    const admin = await registerTenant(herald);
    const refused = await rest(herald, 'POST', '/templates', { name: 1, extra: true }, bearer(admin.token));
    expect(refused.status).toBe(400);
    expect(Object.keys(refused.body).sort()).toEqual(['code', 'data', 'message']);
    expect(refused.body.data.issues.map((issue: { path: string }) => issue.path)).toEqual(expect.arrayContaining(['name']));

    const schema = document.components.schemas.Error;
    expect(Object.keys(schema.properties).sort()).toEqual(['code', 'data', 'message']);
    expect(schema).toMatchObject({ required: ['code', 'message'], additionalProperties: false });
  });

  it('documents 400, 500 and 503 on every operation, and 413 and 415 on every POST', () => {
    for (const route of CONTRACT) {
      const responses = Object.keys(document.paths[route.path][route.method.toLowerCase()].responses);
      expect(responses, route.path).toEqual(expect.arrayContaining(['400', '500', '503', ...(route.method === 'POST' ? ['413', '415'] : [])]));
    }
  });

  it('marks optional query parameters as allowing an empty value, which the API takes as absent', async () => {
    const admin = await registerTenant(herald);
    const cursor = document.paths['/templates'].get.parameters.find((parameter: { name: string }) => parameter.name === 'cursor');
    expect(cursor).toMatchObject({ in: 'query', allowEmptyValue: true });
    const empty = await rest(herald, 'GET', '/templates?cursor=&limit=', undefined, bearer(admin.token));
    expect(empty).toMatchObject({ status: 200, body: { items: [], nextCursor: null } });
  });

  it("carries examples taken from the documentation's seed requests", () => {
    const register = document.paths['/auth/register-tenant'].post.requestBody.content['application/json'].schema;
    expect(JSON.stringify(register)).toContain('acme-corp');
  });
});
