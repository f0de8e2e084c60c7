import type { FilterDef } from '@mikro-orm/core';

/**
 * Tenant isolation in one mechanism: every tenant-owned entity carries this filter, on by default.
 * A request's EntityManager gets the caller's tenant id as the filter's parameter (see trpc/context.ts),
 * so a query that forgot its tenant cannot run at all — MikroORM refuses a default filter without its
 * parameter — and another tenant's rows are simply not found (404, never 403).
 */
export const TENANT_FILTER = 'tenant';

export const tenantFilter: Record<string, FilterDef> = {
  [TENANT_FILTER]: {
    name: TENANT_FILTER,
    cond: (args: { tenantId: string }) => ({ tenantId: args.tenantId }),
    default: true,
  },
};
