import { z } from 'zod';
import { authedProcedure } from '../../trpc/init.ts';
import { page, pageInput } from '../../shared/schemas.ts';
import { emailInput, passwordInput, personNameInput, toUserOutput, userOutput } from './user.schema.ts';
import { refuseOperatorEmail } from './emails.ts';
import { createUser, listUsers } from './users.service.ts';

export const createUserProcedure = authedProcedure
  .meta({
    roles: ['ADMIN'],
    openapi: {
      method: 'POST',
      path: '/users',
      tags: ['users'],
      summary: "Add a user to the caller's tenant",
      description: 'The role is ADMIN or SUB_ADMIN. 409 when the e-mail is already registered.',
      protect: true,
      successDescription: 'Created',
    },
    errorStatuses: [409],
    successStatus: 201,
  })
  .input(
    z.strictObject({
      email: emailInput.meta({ example: 'operator@acme.com' }),
      password: passwordInput.meta({ example: 'password123' }),
      name: personNameInput.meta({ example: 'Olivia Operator' }),
      role: z.enum(['ADMIN', 'SUB_ADMIN']).meta({ example: 'SUB_ADMIN' }),
    }),
  )
  .output(userOutput)
  .mutation(async ({ ctx, input }) => {
    refuseOperatorEmail(ctx.services.config.SUPER_ADMIN_EMAIL, input.email);
    const user = await createUser(ctx.em, ctx.principal.tenantId!, input);
    return toUserOutput(user);
  });

export const listUsersProcedure = authedProcedure
  .meta({
    roles: ['ADMIN'],
    openapi: {
      method: 'GET',
      path: '/users',
      tags: ['users'],
      summary: "List the caller's tenant's users",
      description: 'Oldest first; pass `nextCursor` back as `cursor` for the next page.',
      protect: true,
    },
  })
  .input(z.strictObject(pageInput))
  .output(page(userOutput))
  .query(async ({ ctx, input }) => {
    const result = await listUsers(ctx.em, input);
    return { items: result.items.map(toUserOutput), nextCursor: result.nextCursor };
  });
