import { router } from '../../trpc/init.ts';

export const tenantsRouter = router({});
