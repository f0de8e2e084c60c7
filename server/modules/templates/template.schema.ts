import { z } from 'zod';
import { text } from '../../shared/storable.ts';
import { isoTimestamp } from '../../shared/schemas.ts';
import { CONTACT_FIELD, CONTACT_FIELD_HINT } from './render.ts';
import { TEMPLATE_CATEGORIES, TEMPLATE_QUALITIES, TEMPLATE_STATUSES, type Template } from './template.entity.ts';

// Meta's own rules for a template's name and locale code (en, en_US, pt_BR, zh_CN…).
export const templateNameInput = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[a-z0-9_]+$/, 'must be lowercase letters, digits and underscores only');
export const templateLanguageInput = z
  .string()
  .regex(/^[a-z]{2,3}(?:_[A-Z0-9]{2})?$/, 'must be a Meta locale code such as en, en_US or pt_BR');
export const templateContentInput = text()
  .min(1)
  .max(1024)
  .refine((content) => content.trim() !== '', 'must not be blank');
export const templateVariablesInput = z.array(z.string().regex(CONTACT_FIELD, CONTACT_FIELD_HINT)).max(256);
export const templateStatusInput = z.enum(TEMPLATE_STATUSES);
export const templateCategoryInput = z.enum(TEMPLATE_CATEGORIES);
export const metaTemplateIdInput = text().trim().min(1).max(128);

/** A template as the API shows it. */
export const templateOutput = z
  .object({
    id: z.uuid(),
    name: z.string(),
    language: z.string(),
    category: z.enum(TEMPLATE_CATEGORIES),
    status: z.enum(TEMPLATE_STATUSES),
    content: z.string(),
    variables: z.array(z.string()),
    metaTemplateId: z.string().nullable(),
    quality: z.enum(TEMPLATE_QUALITIES),
    rejectedReason: z.string().nullable(),
    channelId: z.uuid().nullable(),
    createdAt: isoTimestamp,
  })
  .meta({ id: 'Template' });

export const toTemplateOutput = (template: Template): z.infer<typeof templateOutput> => ({
  id: template.id,
  name: template.name,
  language: template.language,
  category: template.category,
  status: template.status,
  content: template.content,
  variables: [...template.variables],
  metaTemplateId: template.metaTemplateId ?? null,
  quality: template.quality,
  rejectedReason: template.rejectedReason ?? null,
  channelId: template.channelId ?? null,
  createdAt: template.createdAt.toISOString(),
});
