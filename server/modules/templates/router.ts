import { router } from '../../trpc/init.ts';

export const templatesRouter = router({});
