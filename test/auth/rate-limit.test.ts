import { afterEach, describe, expect, it } from 'vitest';
import { FixedWindowCounter } from '../../server/trpc/rate-limit.ts';
import { rest, startHarness, testConfig, type Harness } from '../support/harness.ts';

// Every request of these tests comes from 127.0.0.1, so each test gets an API (and counters) of its own.
describe('sign-in limits hold however the procedure is reached', () => {
  let herald: Harness | undefined;
  afterEach(() => herald?.close());

  const start = async (perEmail: number, perIp: number) => {
    herald = await startHarness({
      config: testConfig({ AUTH_RATE_LIMIT_PER_EMAIL: String(perEmail), AUTH_RATE_LIMIT_PER_IP: String(perIp) }),
    });
    return herald;
  };
  const guess = (email: string) => ({ email, password: 'guess-guess' });

  /** A tRPC batch of `auth.login` calls, one per body, as @trpc/client's batch link sends it. */
  async function loginBatch(api: Harness, bodies: object[]) {
    const paths = bodies.map(() => 'auth.login').join(',');
    const input = Object.fromEntries(bodies.map((body, i) => [String(i), body]));
    const response = await rest(api, 'POST', `/trpc/${paths}?batch=1`, input);
    const statuses = (response.body as { error?: { data: { httpStatus: number } } }[]).map((item) => item.error?.data.httpStatus ?? 200);
    return { response, statuses };
  }

  it('counts a trailing slash and upper case as the same sign-in, and says when to retry', async () => {
    const api = await start(3, 100);
    const paths = ['/auth/login', '/auth/login/', '/AUTH/LOGIN'];
    // Each of them really reaches the procedure (a 401 for a wrong password, not a 404).
    for (const path of paths) expect((await rest(api, 'POST', path, guess('victim@example.com'))).status).toBe(401);

    for (const path of [...paths, '/Auth/Login/']) {
      const limited = await rest(api, 'POST', path, guess('victim@example.com'));
      expect(limited.status, path).toBe(429);
      expect(limited.body).toMatchObject({ code: 'TOO_MANY_REQUESTS', data: { reason: 'RATE_LIMITED' } });
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    }
    // The limit is per e-mail: another address still gets its answer.
    expect((await rest(api, 'POST', '/auth/login/', guess('someone@example.com'))).status).toBe(401);
  });

  it('counts each call of a tRPC batch of 18 logins', async () => {
    const api = await start(3, 100);
    const { response, statuses } = await loginBatch(api, Array.from({ length: 18 }, () => guess('victim@example.com')));
    expect(statuses.filter((status) => status === 401)).toHaveLength(3);
    expect(statuses.filter((status) => status === 429)).toHaveLength(15);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await rest(api, 'POST', '/auth/login', guess('victim@example.com'))).status).toBe(429);
  });

  it('limits one client address across e-mails, inside a batch too', async () => {
    const api = await start(100, 8);
    const { statuses } = await loginBatch(api, Array.from({ length: 10 }, (_, i) => guess(`spray-${i}@example.com`)));
    expect(statuses.filter((status) => status === 401)).toHaveLength(8);
    expect(statuses.filter((status) => status === 429)).toHaveLength(2);
    expect((await rest(api, 'POST', '/trpc/auth.login', guess('fresh@example.com'))).status).toBe(429);
  });

  it('shares one count between REST and tRPC, and between sign-in and sign-up', async () => {
    const api = await start(4, 100);
    const email = 'mixed@example.com';
    expect((await rest(api, 'POST', '/auth/login/', guess(email))).status).toBe(401);
    expect((await loginBatch(api, [guess(email.toUpperCase())])).statuses).toEqual([401]);
    const signUp = { tenantName: 'Mixed', slug: 'mixed-co', adminEmail: email, adminPassword: 'password123', adminName: 'Max' };
    expect((await rest(api, 'POST', '/AUTH/REGISTER-TENANT', signUp)).status).toBe(201);
    expect((await rest(api, 'POST', '/trpc/auth.login', { email, password: 'password123' })).status).toBe(200);

    const viaTrpc = await rest(api, 'POST', '/trpc/auth.login', { email, password: 'password123' });
    expect(viaTrpc.status).toBe(429);
    expect(Number(viaTrpc.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await rest(api, 'POST', '/auth/register-tenant/', { ...signUp, slug: 'mixed-two' })).status).toBe(429);
  });
});

// The README's TLS proxy makes every client arrive from one address; TRUST_PROXY lets Herald see through it.
describe('behind a proxy, the per-address limit keys on the client', () => {
  let herald: Harness | undefined;
  afterEach(() => herald?.close());

  const from = (address: string) => ({ 'x-forwarded-for': address });
  const start = async (trustProxy?: string, perIp = 30) => {
    const overrides: Record<string, string> = { AUTH_RATE_LIMIT_PER_IP: String(perIp), AUTH_RATE_LIMIT_PER_EMAIL: '100' };
    herald = await startHarness({ config: testConfig(trustProxy === undefined ? overrides : { ...overrides, TRUST_PROXY: trustProxy }) });
    const email = `owner-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const signUp = { tenantName: 'Proxied', slug: `proxied-${crypto.randomUUID().slice(0, 8)}`, adminEmail: email, adminPassword: 'password123', adminName: 'Pat' };
    expect((await rest(herald, 'POST', '/auth/register-tenant', signUp, from('9.9.9.9'))).status).toBe(201);
    return { api: herald, correct: { email, password: 'password123' } };
  };
  /** Bad sign-ins with a random e-mail each from one client; returns their statuses. */
  const spray = async (api: Harness, count: number, address: string) => {
    const statuses: number[] = [];
    for (let i = 0; i < count; i++) {
      statuses.push((await rest(api, 'POST', '/auth/login', { email: `${crypto.randomUUID()}@example.com`, password: 'guess-guess' }, from(address))).status);
    }
    return statuses;
  };

  it('with TRUST_PROXY, 31 bad sign-ins from one client lock that client only, not a correct sign-in from another', async () => {
    const { api, correct } = await start('127.0.0.1');
    const statuses = await spray(api, 31, '1.2.3.4');
    expect(statuses.slice(0, 30).every((status) => status === 401)).toBe(true);
    expect(statuses[30]).toBe(429);
    expect((await rest(api, 'POST', '/auth/login', correct, from('5.6.7.8'))).status).toBe(200);
    expect((await rest(api, 'POST', '/auth/login', correct, from('1.2.3.4'))).status).toBe(429);
  });

  it('without TRUST_PROXY, X-Forwarded-For is ignored: a forged header neither dodges the limit nor spares anyone', async () => {
    const { api, correct } = await start(undefined);
    // The sign-up counted too: every request is 127.0.0.1's, whatever the header says.
    const statuses = await spray(api, 31, '1.2.3.4');
    expect(statuses.filter((status) => status === 429)).toHaveLength(2);
    expect((await rest(api, 'POST', '/auth/login', correct, from('5.6.7.8'))).status).toBe(429);
  });

  it('takes a hop count, true, or a list with CIDRs and names, and keys on the client each time', async () => {
    for (const trustProxy of ['1', 'true', '10.0.0.0/8, ::1,loopback']) {
      const { api, correct } = await start(trustProxy, 3);
      expect(await spray(api, 4, '1.2.3.4'), trustProxy).toEqual([401, 401, 401, 429]);
      expect((await rest(api, 'POST', '/auth/login', correct, from('5.6.7.8'))).status, trustProxy).toBe(200);
      await api.close();
      herald = undefined;
    }
  });
});

describe('the counters stay bounded', () => {
  it('keeps at most maxKeys windows, dropping expired ones first, and starts a fresh window after expiry', () => {
    const counter = new FixedWindowCounter(1_000, 3);
    for (let i = 0; i < 1_000; i++) counter.hit(`key-${i}`, 0);
    expect(counter.size).toBe(3);

    expect(counter.hit('a', 10_000).count).toBe(1);
    expect(counter.hit('a', 10_500).count).toBe(2);
    expect(counter.size).toBe(1); // the three from time 0 had expired
    expect(counter.hit('a', 11_000)).toEqual({ count: 1, resetAt: 12_000 });
  });
});
