import { router } from '../../trpc/init.ts';
import { echoProcedure } from './echo.procedure.ts';

export const systemRouter = router({ echo: echoProcedure });
