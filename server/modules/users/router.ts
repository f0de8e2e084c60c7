import { router } from '../../trpc/init.ts';
import { createUserProcedure, listUsersProcedure } from './users.procedures.ts';

export const usersRouter = router({ create: createUserProcedure, list: listUsersProcedure });
