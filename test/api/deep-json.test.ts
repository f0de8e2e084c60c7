// JSON nested deeper than 64 levels is refused as bad input before anything walks it: a 400 with a reason on
// every route (REST and tRPC, bodies and tRPC's GET input), never a 500 and never an error in the log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, registerTenant, type TenantAdmin } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';

const nested = (levels: number, inner = '') => '['.repeat(levels) + inner + ']'.repeat(levels);
const tooDeep = { code: 'BAD_REQUEST', data: { reason: 'JSON_TOO_DEEP' } };

describe('deeply nested JSON', () => {
  let herald: Harness;
  let admin: TenantAdmin;
  const logLines: string[] = [];
  beforeAll(async () => {
    herald = await startHarness({ logLines });
    admin = await registerTenant(herald);
  });
  afterAll(() => herald?.close());

  const errorsLogged = () => logLines.filter((line) => JSON.parse(line).level >= 50);

  it('is a 400 JSON_TOO_DEEP on sign-in with 10,000 nested arrays, over REST and tRPC alike', async () => {
    const body = `{"email":${nested(10_000)},"password":"guess-guess"}`;
    for (const path of ['/auth/login', '/trpc/auth.login', '/trpc/auth.login?batch=1']) {
      const refused = await rest(herald, 'POST', path, path.includes('batch') ? `{"0":${body}}` : body);
      expect(refused.status, path).toBe(400);
      expect(refused.body, path).toMatchObject(tooDeep);
    }
    expect(errorsLogged()).toEqual([]);
  });

  it('is a 400 on protected routes and on a tRPC query input; 64 levels are still ordinary input', async () => {
    const as = bearer(admin.token);
    // The body itself is one level, each attribute value's arrays the rest.
    const importOf = (levels: number) => `{"contacts":[{"phone":"+15551230000","attributes":{"tier":${nested(levels - 4)}}}]}`;
    const deep = await rest(herald, 'POST', '/contacts/import', importOf(65), as);
    expect([deep.status, deep.body]).toMatchObject([400, tooDeep]);
    // An attribute value must be text: the contact is refused as invalid, the request itself is taken.
    const deepest = await rest(herald, 'POST', '/contacts/import', importOf(64), as);
    expect(deepest.status, JSON.stringify(deepest.body)).toBe(200);
    expect(deepest.body).toMatchObject({ imported: 0, invalid: [{ index: 0 }] });

    const query = await rest(herald, 'GET', `/trpc/contacts.list?input=${nested(3_000)}`, undefined, as);
    expect([query.status, query.body]).toMatchObject([400, tooDeep]);
    expect(errorsLogged()).toEqual([]);
  });

  it('counts only structure, not brackets inside strings', async () => {
    const password = `${'['.repeat(100)}"{\\"${'{'.repeat(100)}`;
    const answer = await rest(herald, 'POST', '/auth/login', JSON.stringify({ email: admin.email, password }));
    expect(answer.status).toBe(401);
  });
});
