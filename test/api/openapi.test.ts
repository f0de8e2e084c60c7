import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { CONTRACT } from './contract.ts';

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
      expect(Object.keys(operation.responses).filter((code) => code.startsWith('2')), `${route.path} success`).toEqual([String(route.status)]);
      expect(operation.responses[String(route.status)].content['application/json'].schema, `${route.path} response`).toBeDefined();
      if (route.method === 'POST' && !route.noBody) expect(operation.requestBody?.content['application/json'], `${route.path} body`).toBeDefined();
      if (route.noBody) expect(operation.requestBody, `${route.path} has no body`).toBeUndefined();
      const inPath = (operation.parameters ?? []).filter((parameter: { in: string }) => parameter.in === 'path');
      expect(inPath.map((parameter: { name: string; required: boolean }) => [parameter.name, parameter.required]), `${route.path} path`).toEqual(
        (route.pathParams ?? []).map((name) => [name, true]),
      );
    }
  });

  it('declares bearer authentication, required exactly on the routes that are not public', () => {
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    for (const route of CONTRACT) {
      const operation = document.paths[route.path][route.method.toLowerCase()];
      const isPublic = route.allowed.includes('anonymous');
      expect(Boolean(operation.security?.some((item: object) => 'bearerAuth' in item)), `${route.path} security`).toBe(!isPublic);
    }
  });

  it('documents the error answers: 401/403 on protected routes, 404 on routes with an id, the business conflicts', () => {
    for (const route of CONTRACT) {
      const responses = Object.keys(document.paths[route.path][route.method.toLowerCase()].responses);
      if (!route.allowed.includes('anonymous')) expect(responses, route.path).toEqual(expect.arrayContaining(['401', '403']));
      if (route.path.includes('{')) expect(responses, route.path).toContain('404');
    }
    expect(Object.keys(document.paths['/messages/schedule'].post.responses)).toEqual(expect.arrayContaining(['409', '422']));
    expect(Object.keys(document.paths['/auth/login'].post.responses)).toEqual(expect.arrayContaining(['401', '429']));
  });

  it("carries examples taken from the documentation's seed requests", () => {
    const register = document.paths['/auth/register-tenant'].post.requestBody.content['application/json'].schema;
    expect(JSON.stringify(register)).toContain('acme-corp');
  });
});
