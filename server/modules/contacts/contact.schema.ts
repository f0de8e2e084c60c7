import { z } from 'zod';
import { isoTimestamp } from '../../shared/schemas.ts';
import type { Contact } from './contact.entity.ts';
import { CONTACT_LIMITS, MAX_IMPORT_BATCH } from './contact-item.ts';

/**
 * One imported contact as the documentation shows it. Items are validated one by one in the service
 * (a bad item is reported, not fatal), so this schema only describes them in the OpenAPI document.
 */
const contactItemDoc = z
  .strictObject({
    phone: z.string().describe('International number: + or 00, then the country code; stored in E.164'),
    name: z.string().max(CONTACT_LIMITS.nameLength).nullable().optional(),
    attributes: z
      .record(z.string().max(CONTACT_LIMITS.attributeKeyLength), z.string().max(CONTACT_LIMITS.attributeValueLength))
      .optional()
      .describe(`At most ${CONTACT_LIMITS.attributeKeys} string values, for template variables`),
  })
  .meta({ example: { phone: '+15551234567', name: 'Alice', attributes: { city: 'NY' } } });
const contactItemJsonSchema = z.toJSONSchema(contactItemDoc, { io: 'input' });
delete contactItemJsonSchema.$schema;

export const importInput = z.strictObject({
  contacts: z
    .array(z.unknown().meta({ override: ({ jsonSchema }) => Object.assign(jsonSchema, contactItemJsonSchema) }))
    .max(MAX_IMPORT_BATCH, `at most ${MAX_IMPORT_BATCH.toLocaleString('en-US')} contacts per request`)
    .meta({
      description: `Up to ${MAX_IMPORT_BATCH.toLocaleString('en-US')} contacts. Each is checked on its own: bad ones are listed in \`invalid\`.`,
      example: [
        { phone: '+15551234567', name: 'Alice', attributes: { city: 'NY' } },
        { phone: '+15559876543', name: 'Bob' },
      ],
    }),
});

export const importOutput = z
  .object({
    imported: z.number().int().describe('Contacts created'),
    skipped: z.number().int().describe('Valid contacts whose phone was already in the batch or in the tenant'),
    invalid: z
      .array(z.object({ index: z.number().int().describe('Position in `contacts`'), reason: z.string() }))
      .describe('Refused items, with why'),
  })
  .meta({ id: 'ContactImportResult' });

export const contactOutput = z
  .object({
    id: z.uuid(),
    phone: z.string().meta({ example: '+15551234567' }),
    name: z.string().nullable(),
    attributes: z.record(z.string(), z.string()),
    optedOut: z.boolean(),
    createdAt: isoTimestamp,
  })
  .meta({ id: 'Contact' });

export const toContactOutput = (contact: Contact): z.infer<typeof contactOutput> => ({
  id: contact.id,
  phone: contact.phone,
  name: contact.name ?? null,
  attributes: contact.attributes ?? {},
  optedOut: contact.optedOut,
  createdAt: contact.createdAt.toISOString(),
});
