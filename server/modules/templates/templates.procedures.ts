import { z } from 'zod';
import { authedProcedure } from '../../trpc/init.ts';
import { page, pageInput } from '../../shared/schemas.ts';
import {
  metaTemplateIdInput,
  templateCategoryInput,
  templateContentInput,
  templateLanguageInput,
  templateNameInput,
  templateOutput,
  templateStatusInput,
  templateVariablesInput,
  toTemplateOutput,
} from './template.schema.ts';
import { createTemplate, listTemplates } from './templates.service.ts';

export const createTemplateProcedure = authedProcedure
  .meta({
    openapi: {
      method: 'POST',
      path: '/templates',
      tags: ['templates'],
      summary: 'Register a WhatsApp message template',
      description:
        'ADMIN only. `content` uses positional placeholders {{1}}…{{n}}; `variables[i]` names the contact field ' +
        'that fills {{i+1}}: `name`, `phone` or `attributes.<key>`. 409 when the name already exists in that language.',
      protect: true,
      successDescription: 'Created',
    },
    errorStatuses: [409],
    successStatus: 201,
  })
  .input(
    z.strictObject({
      name: templateNameInput.meta({ example: 'welcome_message' }),
      content: templateContentInput.meta({ example: 'Hello {{1}}, welcome!' }),
      variables: templateVariablesInput.meta({ example: ['name'] }),
      metaTemplateId: metaTemplateIdInput.meta({ example: 'meta_12345' }),
      status: templateStatusInput.meta({ example: 'APPROVED' }),
      language: templateLanguageInput.default('en_US').meta({ example: 'en_US' }),
      category: templateCategoryInput.default('UTILITY').meta({ example: 'UTILITY' }),
    }),
  )
  .output(templateOutput)
  .mutation(async ({ ctx, input }) => {
    const template = await createTemplate(ctx.em, ctx.principal.tenantId!, input);
    return toTemplateOutput(template);
  });

export const listTemplatesProcedure = authedProcedure
  .meta({
    openapi: {
      method: 'GET',
      path: '/templates',
      tags: ['templates'],
      summary: "List the caller's tenant's templates",
      description: 'ADMIN and SUB_ADMIN. Oldest first, optionally only one `status`; pass `nextCursor` back as `cursor`.',
      protect: true,
    },
  })
  .input(z.strictObject({ ...pageInput, status: templateStatusInput.optional().meta({ example: 'APPROVED' }) }))
  .output(page(templateOutput))
  .query(async ({ ctx, input }) => {
    const result = await listTemplates(ctx.em, input);
    return { items: result.items.map(toTemplateOutput), nextCursor: result.nextCursor };
  });
