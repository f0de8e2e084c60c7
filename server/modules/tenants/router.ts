import { router } from '../../trpc/init.ts';
import { listTenantsProcedure } from './tenants.procedures.ts';

export const tenantsRouter = router({ list: listTenantsProcedure });
