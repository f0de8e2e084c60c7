import { z } from 'zod';
import { text } from '../../shared/storable.ts';
import { publicProcedure } from '../../trpc/init.ts';
import { tenantOutput, toTenantOutput } from '../tenants/tenant.schema.ts';
import { emailInput, passwordInput, personNameInput, toUserOutput, userOutput } from '../users/user.schema.ts';
import { limitAuthAttempts } from './auth-rate-limit.ts';
import { refuseOperatorEmail } from '../users/emails.ts';
import { login, registerTenant } from './auth.service.ts';

const registerInput = z.strictObject({
  tenantName: text().trim().min(1).max(200).meta({ example: 'Acme Corp' }),
  slug: z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be lowercase letters, digits and inner hyphens, at most 63')
    .meta({ example: 'acme-corp' }),
  adminEmail: emailInput.meta({ example: 'admin@acme.com' }),
  adminPassword: passwordInput.meta({ example: 'password123' }),
  adminName: personNameInput.meta({ example: 'John Doe' }),
});

export const registerTenantProcedure = publicProcedure
  .meta({
    roles: 'public',
    openapi: {
      protect: false,
      method: 'POST',
      path: '/auth/register-tenant',
      tags: ['auth'],
      summary: 'Register a tenant and its first admin',
      description: 'Creates the tenant and its ADMIN in one transaction and signs the admin in. 409 when the slug or e-mail is taken.',
      successDescription: 'Created',
    },
    errorStatuses: [409, 429],
    successStatus: 201,
  })
  .input(registerInput)
  .use(({ ctx, input, next }) => {
    limitAuthAttempts(ctx, input.adminEmail);
    return next();
  })
  .output(z.object({ token: z.string(), tenant: tenantOutput, user: userOutput }))
  .mutation(async ({ ctx, input }) => {
    const { services } = ctx;
    refuseOperatorEmail(services.config.SUPER_ADMIN_EMAIL, input.adminEmail);
    const result = await registerTenant({ em: services.orm.em.fork(), keys: services.keys, tokens: services.tokens }, input);
    return { token: result.token, tenant: toTenantOutput(result.tenant), user: toUserOutput(result.user) };
  });

export const loginProcedure = publicProcedure
  .meta({
    roles: 'public',
    openapi: {
      protect: false,
      method: 'POST',
      path: '/auth/login',
      tags: ['auth'],
      summary: 'Sign in',
      description: 'Returns a JWT (RS256) for the Authorization header. Unknown e-mail and wrong password are the same 401.',
    },
    errorStatuses: [401, 429],
  })
  .input(
    z.strictObject({
      email: emailInput.meta({ example: 'admin@acme.com' }),
      password: z.string().min(1).max(256).meta({ example: 'password123' }),
    }),
  )
  .use(({ ctx, input, next }) => {
    limitAuthAttempts(ctx, input.email);
    return next();
  })
  .output(z.object({ token: z.string(), user: userOutput }))
  .mutation(async ({ ctx, input }) => {
    const { services } = ctx;
    const result = await login({ em: services.orm.em.fork(), keys: services.keys, tokens: services.tokens }, input);
    return { token: result.token, user: toUserOutput(result.user) };
  });
