import { router } from '../../trpc/init.ts';

export const billingRouter = router({});
