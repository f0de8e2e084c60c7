import { systemRouter } from '../modules/system/router.ts';
import { router } from './init.ts';

/** Assembles the domain routers; nothing else lives here. */
export const appRouter = router({
  system: systemRouter,
});

export type AppRouter = typeof appRouter;
