// The people of a test story, created through the real API (sign-up, sign-in) — never by writing rows.
import { randomUUID } from 'node:crypto';
import { ensureSuperAdmin } from '../../server/modules/auth/auth.service.ts';
import { rest, type Harness } from './harness.ts';

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export interface Actor {
  token: string;
  userId: string;
  email: string;
  password: string;
}

export interface TenantAdmin extends Actor {
  tenantId: string;
  slug: string;
}

const unique = () => randomUUID().slice(0, 8);

/** Registers a fresh tenant through `POST /auth/register-tenant` and returns its first ADMIN. */
export async function registerTenant(herald: Harness, name = 'Acme Corp'): Promise<TenantAdmin> {
  const id = unique();
  const email = `admin-${id}@example.com`;
  const password = `password-${id}`;
  const response = await rest(herald, 'POST', '/auth/register-tenant', {
    tenantName: name,
    slug: `tenant-${id}`,
    adminEmail: email,
    adminPassword: password,
    adminName: 'Ada Admin',
  });
  if (response.status !== 201) throw new Error(`register-tenant answered ${response.status}: ${JSON.stringify(response.body)}`);
  return {
    token: response.body.token,
    userId: response.body.user.id,
    tenantId: response.body.tenant.id,
    slug: response.body.tenant.slug,
    email,
    password,
  };
}

/** Signs in through `POST /auth/login`. */
export async function login(herald: Harness, email: string, password: string): Promise<string> {
  const response = await rest(herald, 'POST', '/auth/login', { email, password });
  if (response.status !== 200) throw new Error(`login answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body.token;
}

/** Has the tenant's ADMIN create a user of the given role through `POST /users`, then signs them in. */
export async function createTenantUser(herald: Harness, admin: TenantAdmin, role: 'ADMIN' | 'SUB_ADMIN'): Promise<Actor> {
  const id = unique();
  const email = `${role.toLowerCase()}-${id}@example.com`;
  const password = `password-${id}`;
  const response = await rest(herald, 'POST', '/users', { email, password, name: `User ${id}`, role }, bearer(admin.token));
  if (response.status !== 201) throw new Error(`POST /users answered ${response.status}: ${JSON.stringify(response.body)}`);
  return { token: await login(herald, email, password), userId: response.body.id, email, password };
}

/** The platform operator, created as `npm start` does from SUPER_ADMIN_EMAIL/PASSWORD, then signed in. */
export async function superAdmin(herald: Harness): Promise<Actor> {
  const email = `operator-${unique()}@example.com`;
  const password = `operator-password-${unique()}`;
  await ensureSuperAdmin(herald.orm.em.fork(), email, password);
  const token = await login(herald, email, password);
  const response = await rest(herald, 'POST', '/auth/login', { email, password });
  return { token, userId: response.body.user.id, email, password };
}
