import { router } from '../../trpc/init.ts';
import { createTemplateProcedure, listTemplatesProcedure } from './templates.procedures.ts';

export const templatesRouter = router({ create: createTemplateProcedure, list: listTemplatesProcedure });
