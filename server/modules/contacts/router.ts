import { router } from '../../trpc/init.ts';
import { getContactProcedure, optInProcedure, optOutProcedure } from './consent.procedures.ts';
import { importContactsProcedure, listContactsProcedure } from './contacts.procedures.ts';

export const contactsRouter = router({
  import: importContactsProcedure,
  list: listContactsProcedure,
  get: getContactProcedure,
  optOut: optOutProcedure,
  optIn: optInProcedure,
});
