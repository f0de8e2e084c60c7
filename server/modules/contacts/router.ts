import { router } from '../../trpc/init.ts';
import { importContactsProcedure, listContactsProcedure } from './contacts.procedures.ts';

export const contactsRouter = router({ import: importContactsProcedure, list: listContactsProcedure });
