import { router } from '../../trpc/init.ts';
import { acknowledgeProcedure, cancelProcedure, getProcedure, listProcedure, rescheduleProcedure, scheduleProcedure } from './messages.procedures.ts';

export const messagesRouter = router({
  schedule: scheduleProcedure,
  get: getProcedure,
  list: listProcedure,
  cancel: cancelProcedure,
  reschedule: rescheduleProcedure,
  acknowledge: acknowledgeProcedure,
});
