// Input PostgreSQL cannot store (NUL, lone surrogates, dates out of its range) is a 400 with a reason,
// never a 500 carrying PostgreSQL's own words, and nothing of it is stored.
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerErrorHandlers } from '../../server/http/errors.ts';
import { bearer, registerTenant, superAdmin, type Actor } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { sendingTenant, type SendingTenant } from '../messages/support.ts';

const NUL = '\u0000';
const LONE = '\ud800';
const HOUR = 3600_000;
const unstorable = { code: 'BAD_REQUEST', data: expect.objectContaining({ reason: 'UNSTORABLE_TEXT' }) };
const outOfRange = { code: 'BAD_REQUEST', data: expect.objectContaining({ reason: 'DATE_OUT_OF_RANGE' }) };
const cursorOf = (text: string) => Buffer.from(text).toString('base64url');

describe('bad input never reaches PostgreSQL', () => {
  let herald: Harness;
  let tenant: SendingTenant;
  let operator: Actor;
  let contactId: string;
  beforeAll(async () => {
    herald = await startHarness();
    tenant = await sendingTenant(herald);
    operator = await superAdmin(herald);
    contactId = await tenant.contact('5150');
  });
  afterAll(() => herald?.close());

  const sql = (query: string, params: unknown[] = []) => herald.orm.em.getConnection().execute(query, params);
  const post = (path: string, body: unknown, token = tenant.token) => rest(herald, 'POST', path, body, bearer(token));
  const get = (path: string, token = tenant.token) => rest(herald, 'GET', path, undefined, bearer(token));

  it('refuses NUL and lone surrogates in register-tenant names (REST and tRPC), creating no tenant', async () => {
    for (const [field, value] of [['tenantName', `Acme${NUL}Corp`], ['adminName', `John${NUL}`], ['adminName', `John ${LONE}`]] as const) {
      const slug = `bad-${randomUUID().slice(0, 8)}`;
      const body = { tenantName: 'Acme', slug, adminEmail: `${slug}@example.com`, adminPassword: 'password123', adminName: 'John', [field]: value };
      const refused = await rest(herald, 'POST', '/auth/register-tenant', body);
      expect(refused.status, field).toBe(400);
      expect(refused.body).toMatchObject(unstorable);
      const viaTrpc = await rest(herald, 'POST', '/trpc/auth.registerTenant', body);
      expect(viaTrpc.status).toBe(400);
      expect(viaTrpc.body.error.data).toMatchObject({ code: 'BAD_REQUEST', reason: 'UNSTORABLE_TEXT' });
      expect(await sql('select id from tenant where slug = ?', [slug])).toEqual([]);
    }
  });

  it('refuses NUL in a user name, a template and a credit description, storing none of them', async () => {
    const email = `nul-${randomUUID().slice(0, 8)}@example.com`;
    const user = await post('/users', { email, password: 'password123', name: `Ol${NUL}ivia`, role: 'SUB_ADMIN' });
    expect([user.status, user.body]).toMatchObject([400, unstorable]);
    expect(await sql('select id from app_user where email = ?', [email])).toEqual([]);

    const template = { name: 'nul_template', content: 'Hello {{1}}', variables: ['name'], metaTemplateId: 'meta_1', status: 'APPROVED' };
    for (const bad of [{ content: `Hello${NUL} {{1}}` }, { metaTemplateId: `meta${NUL}` }, { content: `Hello ${LONE} {{1}}` }]) {
      const refused = await post('/templates', { ...template, ...bad });
      expect([refused.status, refused.body]).toMatchObject([400, unstorable]);
    }
    expect(await sql('select id from template where name = ?', ['nul_template'])).toEqual([]);

    const before = await sql('select count(*)::int as n from ledger_entry where tenant_id = ?', [tenant.tenantId]);
    const topUp = await post('/billing/add-credits', { tenantId: tenant.tenantId, amount: '1.00', description: `gift${NUL}` }, operator.token);
    expect([topUp.status, topUp.body]).toMatchObject([400, unstorable]);
    expect(await sql('select count(*)::int as n from ledger_entry where tenant_id = ?', [tenant.tenantId])).toEqual(before);
  });

  it('refuses NUL in a contact search', async () => {
    const refused = await get('/contacts?search=al%00ice');
    expect([refused.status, refused.body]).toMatchObject([400, unstorable]);
  });

  it('refuses unstorable text and impossible dates in a schedule request, storing no message', async () => {
    const valid = { templateId: tenant.templateId, contactId, scheduleTime: new Date(Date.now() + HOUR).toISOString(), idempotencyKey: randomUUID() };
    const cases: [Record<string, unknown>, object][] = [
      [{ idempotencyKey: `key${NUL}` }, unstorable],
      [{ parameters: { name: `Al${NUL}` } }, unstorable],
      [{ parameters: { [`na${NUL}me`]: 'Al' } }, unstorable],
      [{ parameters: { name: `Al ${LONE}` } }, unstorable],
      [{ parameters: { [`\udc00name`]: 'Al' } }, unstorable],
      [{ scheduleTime: '0000-06-01T00:00:00Z' }, outOfRange],
      [{ scheduleTime: '1969-12-31T23:59:59Z' }, outOfRange],
    ];
    for (const [change, expected] of cases) {
      const refused = await post('/messages/schedule', { ...valid, idempotencyKey: randomUUID(), ...change });
      expect(refused.status, JSON.stringify(change)).toBe(400);
      expect(refused.body).toMatchObject(expected);
    }
    expect(await sql('select id from message where tenant_id = ?', [tenant.tenantId])).toEqual([]);
  });

  it('refuses an impossible reschedule time, leaving the message as it was', async () => {
    const scheduleTime = new Date(Date.now() + HOUR).toISOString();
    const scheduled = await post('/messages/schedule', { templateId: tenant.templateId, contactId, scheduleTime, idempotencyKey: randomUUID() });
    expect(scheduled.status).toBe(201);
    const refused = await post(`/messages/${scheduled.body.id}/reschedule`, { scheduleTime: '0000-06-01T00:00:00Z' });
    expect([refused.status, refused.body]).toMatchObject([400, outOfRange]);
    expect((await get(`/messages/${scheduled.body.id}`)).body.scheduleTime).toBe(scheduleTime);
  });

  it('refuses a tampered list cursor whose date PostgreSQL cannot hold, on every list', async () => {
    const id = randomUUID();
    const dates = ['-271821-04-20T00:00:00.000Z', '0000-01-01T00:00:00.000Z', '+275760-09-13T00:00:00.000Z', '+275760-09-14T00:00:00.001Z'];
    const lists: [string, string][] = [
      ['/contacts', tenant.token],
      ['/users', tenant.token],
      ['/templates', tenant.token],
      ['/messages', tenant.token],
      ['/tenants', operator.token],
    ];
    for (const [path, token] of lists) {
      for (const date of dates) {
        const refused = await get(`${path}?cursor=${cursorOf(`${date}|${id}`)}`, token);
        expect(refused.status, `${path} ${date}`).toBe(400);
        expect(refused.body).toMatchObject({ code: 'BAD_REQUEST', data: expect.objectContaining({ reason: 'INVALID_CURSOR' }) });
      }
    }
    const input = encodeURIComponent(JSON.stringify({ cursor: cursorOf(`${dates[0]}|${id}`) }));
    const viaTrpc = await get(`/trpc/contacts.list?input=${input}`);
    expect(viaTrpc.status).toBe(400);
    expect(viaTrpc.body.error.data).toMatchObject({ code: 'BAD_REQUEST', reason: 'INVALID_CURSOR' });
  });
});

describe('an unexpected internal error', () => {
  let herald: Harness;
  let admin: Awaited<ReturnType<typeof registerTenant>>;
  const marker = `explode-${randomUUID().slice(0, 8)}`;
  const secret = `secret internal detail ${marker}`;
  const fn = `herald_test_${marker.replace('-', '_')}`;
  beforeAll(async () => {
    herald = await startHarness();
    admin = await registerTenant(herald);
    // A real PostgreSQL failure on one contact name stands in for any fault the code did not foresee.
    const connection = herald.orm.em.getConnection();
    await connection.execute(
      `create function ${fn}() returns trigger language plpgsql as $$ begin raise exception '${secret}'; end $$`,
    );
    await connection.execute(`create trigger ${fn} before insert on contact for each row when (new.name = '${marker}') execute function ${fn}()`);
  });
  afterAll(async () => {
    await herald?.orm.em.getConnection().execute(`drop trigger if exists ${fn} on contact; drop function if exists ${fn}()`);
    await herald?.close();
  });

  it('answers 500 with a generic message naming the request id, while the log keeps the real error under that id', async () => {
    const logged: { reqId?: string; err?: unknown }[] = [];
    const logger = herald.services.logger;
    const original = logger.error.bind(logger);
    logger.error = ((object: unknown) => void logged.push(object as never)) as typeof logger.error;
    try {
      const body = { contacts: [{ phone: '+15550105150', name: marker }] };
      const viaRest = await rest(herald, 'POST', '/contacts/import', body, bearer(admin.token));
      const viaTrpc = await rest(herald, 'POST', '/trpc/contacts.import', body, bearer(admin.token));
      for (const [answer, error] of [[viaRest, viaRest.body], [viaTrpc, viaTrpc.body.error]] as const) {
        const requestId = answer.headers.get('x-request-id')!;
        expect(answer.status).toBe(500);
        expect(JSON.stringify(answer.body)).not.toContain('secret');
        expect(error.message).toBe(`Internal server error (request id ${requestId})`);
        const entry = logged.find((line) => line.reqId === requestId);
        expect(String((entry?.err as Error | undefined)?.message)).toContain(secret);
      }
    } finally {
      logger.error = original;
    }
  });
});

describe('a fault outside the procedures (Fastify itself)', () => {
  it('answers 500 with the generic message and the request id, never the error text', async () => {
    const app = Fastify({ logger: false });
    registerErrorHandlers(app);
    app.get('/boom', async () => {
      throw new Error('secret internal detail');
    });
    try {
      const response = await app.inject({ method: 'GET', url: '/boom' });
      expect(response.statusCode).toBe(500);
      expect(response.json()).toEqual({ code: 'INTERNAL_SERVER_ERROR', message: expect.stringMatching(/^Internal server error \(request id .+\)$/) });
      expect(response.body).not.toContain('secret');
    } finally {
      await app.close();
    }
  });
});
