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
import { templateMetaSettings } from './template-meta.service.ts';

export const createTemplateProcedure = authedProcedure
  .meta({
    roles: ['ADMIN'],
    openapi: {
      method: 'POST',
      path: '/templates',
      tags: ['templates'],
      summary: 'Register a WhatsApp message template',
      description:
        '`content` uses positional placeholders {{1}}…{{n}}; `variables[i]` names the contact field ' +
        'that fills {{i+1}}: `name`, `phone` or `attributes.<key>`. 409 when the name already exists in that language. ' +
        'The template belongs to `channelId`, else the default channel, else the platform number, and so to its WABA. ' +
        '`submit: true` creates it on Meta for review (status PENDING until Meta answers). In cloud mode without `submit`, ' +
        "Herald looks it up on Meta by name and language and takes Meta's id, status, category and quality (422 when Meta " +
        "does not know it); in sandbox mode, or where no WABA is known, the caller's `status` stands.",
      protect: true,
      successDescription: 'Created',
    },
    errorStatuses: [409, 422],
    successStatus: 201,
  })
  .input(
    z.strictObject({
      name: templateNameInput.meta({ example: 'welcome_message' }),
      content: templateContentInput.meta({ example: 'Hello {{1}}, welcome!' }),
      variables: templateVariablesInput.meta({ example: ['name'] }),
      metaTemplateId: metaTemplateIdInput.optional().meta({ example: 'meta_12345' }),
      status: templateStatusInput.optional().meta({ example: 'APPROVED' }),
      language: templateLanguageInput.default('en_US').meta({ example: 'en_US' }),
      category: templateCategoryInput.default('UTILITY').meta({ example: 'UTILITY' }),
      channelId: z.uuid().optional(),
      submit: z.boolean().optional().meta({ example: false }),
    }),
  )
  .output(templateOutput)
  .mutation(async ({ ctx, input }) => {
    const settings = templateMetaSettings(ctx.services.config, ctx.services.channels.box);
    const template = await createTemplate(ctx.em, settings, ctx.principal.tenantId!, input);
    return toTemplateOutput(template);
  });

export const listTemplatesProcedure = authedProcedure
  .meta({
    roles: ['ADMIN', 'SUB_ADMIN'],
    openapi: {
      method: 'GET',
      path: '/templates',
      tags: ['templates'],
      summary: "List the caller's tenant's templates",
      description: 'Oldest first, optionally only one `status`; pass `nextCursor` back as `cursor`.',
      protect: true,
    },
  })
  .input(z.strictObject({ ...pageInput, status: templateStatusInput.optional().meta({ example: 'APPROVED' }) }))
  .output(page(templateOutput))
  .query(async ({ ctx, input }) => {
    const result = await listTemplates(ctx.em, input);
    return { items: result.items.map(toTemplateOutput), nextCursor: result.nextCursor };
  });
