import { z } from 'zod';
import { authedProcedure } from '../../trpc/init.ts';
import { page, pageInput } from '../../shared/schemas.ts';
import { tenantOutput, toTenantOutput } from './tenant.schema.ts';
import { listTenants } from './tenants.service.ts';

export const listTenantsProcedure = authedProcedure
  .meta({
    roles: ['SUPER_ADMIN'],
    openapi: {
      method: 'GET',
      path: '/tenants',
      tags: ['tenants'],
      summary: 'List tenants with their balances',
      description: 'Oldest first; pass `nextCursor` back as `cursor` for the next page.',
      protect: true,
    },
  })
  .input(z.strictObject(pageInput))
  .output(page(tenantOutput))
  .query(async ({ ctx, input }) => {
    const result = await listTenants(ctx.em, input);
    return { items: result.items.map(toTenantOutput), nextCursor: result.nextCursor };
  });
