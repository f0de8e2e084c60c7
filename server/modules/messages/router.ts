import { router } from '../../trpc/init.ts';
import { cancelProcedure, getProcedure, listProcedure, rescheduleProcedure, scheduleProcedure } from './messages.procedures.ts';

export const messagesRouter = router({
  schedule: scheduleProcedure,
  get: getProcedure,
  list: listProcedure,
  cancel: cancelProcedure,
  reschedule: rescheduleProcedure,
});
