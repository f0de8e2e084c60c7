import { router } from '../../trpc/init.ts';
import { loginProcedure, registerTenantProcedure } from './auth.procedures.ts';

export const authRouter = router({ registerTenant: registerTenantProcedure, login: loginProcedure });
