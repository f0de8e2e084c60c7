import { createPublicKey, createHmac } from 'node:crypto';
import { SignJWT, generateKeyPair, importJWK, jwtVerify, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, login, registerTenant, superAdmin } from '../support/actors.ts';
import { rest, startHarness, testConfig, type Harness } from '../support/harness.ts';

const seedTenant = {
  tenantName: 'Acme Corp',
  slug: 'acme-corp',
  adminEmail: 'admin@acme.com',
  adminPassword: 'password123',
  adminName: 'John Doe',
};

describe('signing up and signing in', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness();
  });
  afterAll(() => herald?.close());

  it("accepts the documentation's register-tenant and login requests exactly as written", async () => {
    const registered = await rest(herald, 'POST', '/auth/register-tenant', seedTenant);
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({
      token: expect.any(String),
      tenant: { name: 'Acme Corp', slug: 'acme-corp', balance: '0.0000' },
      user: { email: 'admin@acme.com', name: 'John Doe', role: 'ADMIN', tenantId: registered.body.tenant.id },
    });
    expect(JSON.stringify(registered.body)).not.toMatch(/password/i);

    const loggedIn = await rest(herald, 'POST', '/auth/login', { email: 'admin@acme.com', password: 'password123' });
    expect(loggedIn.status).toBe(200);
    expect(loggedIn.body.user).toMatchObject({ email: 'admin@acme.com', role: 'ADMIN' });

    // The token is RS256 with a kid that the published JWKS verifies, carrying the contract's claims.
    const jwks = await rest(herald, 'GET', '/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    const [jwk] = jwks.body.keys;
    expect(jwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) });
    expect(jwk.d).toBeUndefined();
    const { payload, protectedHeader } = await jwtVerify(loggedIn.body.token, await importJWK(jwk, 'RS256'), {
      issuer: herald.config.JWT_ISSUER,
      audience: herald.config.JWT_AUDIENCE,
    });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: jwk.kid });
    expect(payload).toMatchObject({ sub: loggedIn.body.user.id, tid: registered.body.tenant.id, role: 'ADMIN' });
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  it('refuses a taken slug or e-mail with 409', async () => {
    const first = await registerTenant(herald);
    const sameSlug = await rest(herald, 'POST', '/auth/register-tenant', { ...seedTenant, slug: first.slug, adminEmail: 'new@x.com' });
    expect(sameSlug.status).toBe(409);
    const sameEmail = await rest(herald, 'POST', '/auth/register-tenant', { ...seedTenant, slug: 'fresh-slug', adminEmail: first.email.toUpperCase() });
    expect(sameEmail.status).toBe(409);
  });

  it('answers an unknown e-mail and a wrong password with the same 401', async () => {
    const admin = await registerTenant(herald);
    const unknown = await rest(herald, 'POST', '/auth/login', { email: 'nobody@example.com', password: 'whatever1' });
    const wrong = await rest(herald, 'POST', '/auth/login', { email: admin.email, password: 'wrong-password' });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body.message).toBe(wrong.body.message);
    expect(unknown.body.code).toBe(wrong.body.code);
  });

  it('refuses invalid sign-up input with 400 naming the fields', async () => {
    const response = await rest(herald, 'POST', '/auth/register-tenant', { ...seedTenant, slug: 'Bad Slug!', adminEmail: 'not-an-email' });
    expect(response.status).toBe(400);
    const fields = response.body.data.issues.map((issue: { path: string }) => issue.path).sort();
    expect(fields).toEqual(['adminEmail', 'slug']);
  });

  it('refuses an e-mail with more than 64 characters before the @, as `format: email` promises', async () => {
    const admin = await registerTenant(herald);
    const tooLong = `${'a'.repeat(65)}@example.com`;
    const user = await rest(herald, 'POST', '/users', { email: tooLong, password: 'password123', name: 'Long', role: 'SUB_ADMIN' }, bearer(admin.token));
    expect(user.status).toBe(400);
    expect(user.body.data.issues.map((issue: { path: string }) => issue.path)).toEqual(['email']);
    const signUp = await rest(herald, 'POST', '/auth/register-tenant', { ...seedTenant, slug: 'long-local-part', adminEmail: tooLong });
    expect(signUp.status).toBe(400);
    expect((await rest(herald, 'POST', '/users', { email: `${'a'.repeat(64)}@example.com`, password: 'password123', name: 'Fits', role: 'SUB_ADMIN' }, bearer(admin.token))).status).toBe(201);
  });

  it('lets an ADMIN add users, and lists only their tenant', async () => {
    const acme = await registerTenant(herald, 'Acme');
    const other = await registerTenant(herald, 'Other');
    const created = await rest(
      herald,
      'POST',
      '/users',
      { email: 'Sub@Acme.com', password: 'password123', name: 'Sam Sub', role: 'SUB_ADMIN' },
      bearer(acme.token),
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: 'sub@acme.com', role: 'SUB_ADMIN', tenantId: acme.tenantId });

    const subToken = await login(herald, 'sub@acme.com', 'password123');
    expect((await rest(herald, 'GET', '/users', undefined, bearer(subToken))).status).toBe(403);

    const listed = await rest(herald, 'GET', '/users?limit=1', undefined, bearer(acme.token));
    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(1);
    const next = await rest(herald, 'GET', `/users?limit=1&cursor=${listed.body.nextCursor}`, undefined, bearer(acme.token));
    const emails = [...listed.body.items, ...next.body.items].map((user: { email: string }) => user.email);
    expect(emails).toEqual([acme.email, 'sub@acme.com']);
    expect(next.body.nextCursor).toBeNull();
    expect(emails).not.toContain(other.email);

    const superRole = await rest(herald, 'POST', '/users', { email: 'x@y.com', password: 'password123', name: 'X', role: 'SUPER_ADMIN' }, bearer(acme.token));
    expect(superRole.status).toBe(400);
  });

  it('creates the platform operator from configuration, without a tenant', async () => {
    const operator = await superAdmin(herald);
    const jwks = await rest(herald, 'GET', '/.well-known/jwks.json');
    const { payload } = await jwtVerify(operator.token, await importJWK(jwks.body.keys[0], 'RS256'));
    expect(payload.role).toBe('SUPER_ADMIN');
    expect(payload.tid).toBeUndefined();
  });
});

describe('tokens Herald must refuse (all 401)', () => {
  let herald: Harness;
  let admin: Awaited<ReturnType<typeof registerTenant>>;
  beforeAll(async () => {
    herald = await startHarness();
    admin = await registerTenant(herald);
  });
  afterAll(() => herald?.close());

  const usersWith = (token: string) => rest(herald, 'GET', '/users', undefined, bearer(token));
  const claims = () => ({ sub: admin.userId, tid: admin.tenantId, role: 'ADMIN' });
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it('accepts the genuine token (control)', async () => {
    expect((await usersWith(admin.token)).status).toBe(200);
  });

  it('refuses no token, a malformed header and garbage', async () => {
    expect((await rest(herald, 'GET', '/users')).status).toBe(401);
    expect((await rest(herald, 'GET', '/users', undefined, { authorization: admin.token })).status).toBe(401);
    expect((await usersWith('not.a.jwt')).status).toBe(401);
  });

  it('refuses alg "none"', async () => {
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims(), iss: herald.config.JWT_ISSUER, aud: herald.config.JWT_AUDIENCE, iat: now, exp: now + 600 })}.`;
    expect((await usersWith(unsigned)).status).toBe(401);
  });

  it('refuses HS256 signed with the public key', async () => {
    const jwks = await rest(herald, 'GET', '/.well-known/jwks.json');
    const publicPem = createPublicKey({ key: jwks.body.keys[0], format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    const now = Math.floor(Date.now() / 1000);
    const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ ...claims(), iss: herald.config.JWT_ISSUER, aud: herald.config.JWT_AUDIENCE, iat: now, exp: now + 600 })}`;
    const signature = createHmac('sha256', publicPem).update(body).digest('base64url');
    expect((await usersWith(`${body}.${signature}`)).status).toBe(401);
  });

  it('refuses a token signed by another key, a tampered payload, an expired token, and a foreign issuer or audience', async () => {
    const stranger = await generateKeyPair('RS256');
    const sign = (key: CryptoKey, options: { iss?: string; aud?: string; exp?: string | number } = {}) =>
      new SignJWT(claims())
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuer(options.iss ?? herald.config.JWT_ISSUER)
        .setAudience(options.aud ?? herald.config.JWT_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(options.exp ?? '10m')
        .sign(key);
    expect((await usersWith(await sign(stranger.privateKey))).status).toBe(401);

    const [header, , signature] = admin.token.split('.');
    const tampered = `${header}.${b64({ ...claims(), role: 'SUPER_ADMIN', tid: undefined, iss: herald.config.JWT_ISSUER, aud: herald.config.JWT_AUDIENCE })}.${signature}`;
    expect((await usersWith(tampered)).status).toBe(401);

    const expired = await rest(herald, 'GET', '/users', undefined, bearer(await sign(herald.services.keys.privateKey, { exp: Math.floor(Date.now() / 1000) - 5 })));
    expect(expired.status).toBe(401);
    expect(expired.body.message).toBe('Token expired');

    expect((await usersWith(await sign(herald.services.keys.privateKey, { iss: 'someone-else' }))).status).toBe(401);
    expect((await usersWith(await sign(herald.services.keys.privateKey, { aud: 'another-api' }))).status).toBe(401);
  });
});

describe('sign-in rate limits', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ config: testConfig({ AUTH_RATE_LIMIT_PER_EMAIL: '3', AUTH_RATE_LIMIT_PER_IP: '8' }) });
  });
  afterAll(() => herald?.close());

  it('answers 429 with Retry-After after too many attempts on one e-mail, over REST and tRPC alike', async () => {
    const attempt = () => rest(herald, 'POST', '/auth/login', { email: 'victim@example.com', password: 'guess-guess' });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await attempt()).status);
    expect(statuses).toEqual([401, 401, 401]);
    const limited = await attempt();
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('TOO_MANY_REQUESTS');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

    const viaTrpc = await rest(herald, 'POST', '/trpc/auth.login', { email: 'victim@example.com', password: 'guess-guess' });
    expect(viaTrpc.status).toBe(429);
  });

  it('limits one client address across e-mails', async () => {
    const results = [];
    for (let i = 0; i < 6; i++) {
      results.push((await rest(herald, 'POST', '/auth/login', { email: `spray-${i}@example.com`, password: 'guess-guess' })).status);
    }
    // 4 attempts were already spent by the previous test from this address; the limit is 8.
    expect(results.slice(0, 3)).toEqual([401, 401, 401]);
    expect(results.slice(3)).toEqual([429, 429, 429]);
  });
});
