import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../server/shared/ports.ts';
import { ensureSuperAdmin } from '../../server/modules/auth/auth.service.ts';
import { startApi } from '../../server/runtime.ts';
import { bearer, registerTenant } from '../support/actors.ts';
import { rest, startHarness, testConfig, type Harness } from '../support/harness.ts';

const operatorRows = (herald: Harness, email: string) =>
  herald.orm.em.getConnection().execute<{ role: string }[]>('select role from app_user where lower(email) = ?', [email.toLowerCase()]);

describe("the operator's e-mail is reserved", () => {
  const operatorEmail = `ops-${randomUUID().slice(0, 8)}@example.com`;
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ config: testConfig({ SUPER_ADMIN_EMAIL: operatorEmail, SUPER_ADMIN_PASSWORD: 'operator-password' }) });
  });
  afterAll(() => herald?.close());

  it('refuses to register a tenant or add a user under it with the same 409 as a taken address', async () => {
    const signUp = await rest(herald, 'POST', '/auth/register-tenant', {
      tenantName: 'Squatter',
      slug: `squatter-${randomUUID().slice(0, 8)}`,
      adminEmail: operatorEmail.toUpperCase(),
      adminPassword: 'password123',
      adminName: 'Sam',
    });
    expect(signUp.status).toBe(409);
    expect(signUp.body).toMatchObject({ code: 'CONFLICT', data: { reason: 'EMAIL_TAKEN' } });

    const admin = await registerTenant(herald);
    const addUser = await rest(herald, 'POST', '/users', { email: operatorEmail, password: 'password123', name: 'Sam', role: 'ADMIN' }, bearer(admin.token));
    expect(addUser.status).toBe(409);
    expect(addUser.body).toMatchObject({ code: 'CONFLICT', data: { reason: 'EMAIL_TAKEN' } });
    expect(await operatorRows(herald, operatorEmail)).toEqual([]);
  });
});

describe('starting the API with an operator configured', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness();
  });
  afterAll(() => herald?.close());

  it('survives replicas creating the same operator at once: all succeed, one operator row', async () => {
    const email = `ops-${randomUUID().slice(0, 8)}@example.com`;
    const outcomes = await Promise.all(Array.from({ length: 4 }, () => ensureSuperAdmin(herald.orm.em.fork(), email, 'operator-password')));

    expect(outcomes.filter((outcome) => outcome === 'created')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'updated')).toHaveLength(3);
    expect(await operatorRows(herald, email)).toEqual([{ role: 'SUPER_ADMIN' }]);
    expect((await rest(herald, 'POST', '/auth/login', { email, password: 'operator-password' })).status).toBe(200);
  });

  it('starts anyway when a tenant user already holds the address, logging why there is no operator', async () => {
    const admin = await registerTenant(herald);
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _encoding, done) => done(void lines.push(String(chunk))) }));
    const config = testConfig({
      SUPER_ADMIN_EMAIL: admin.email,
      SUPER_ADMIN_PASSWORD: 'operator-password',
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
    });
    const endpoints = { databaseUrl: config.DATABASE_URL!, temporalAddress: config.TEMPORAL_ADDRESS! };

    const api = await startApi(config, endpoints, herald.orm, logger);
    try {
      expect((await rest({ url: `http://127.0.0.1:${config.PORT}` }, 'GET', '/healthz')).status).toBe(200);
    } finally {
      await api.close();
    }
    const errors = lines.map((line) => JSON.parse(line)).filter((entry) => entry.level >= 50);
    expect(errors).toEqual([expect.objectContaining({ email: admin.email, msg: expect.stringContaining('SUPER_ADMIN_EMAIL belongs to a tenant user') })]);
    // The tenant's admin keeps their account and password; nobody became operator.
    expect(await operatorRows(herald, admin.email)).toEqual([{ role: 'ADMIN' }]);
    expect((await rest(herald, 'POST', '/auth/login', { email: admin.email, password: admin.password })).status).toBe(200);
    expect((await rest(herald, 'POST', '/auth/login', { email: admin.email, password: 'operator-password' })).status).toBe(401);
  });
});
