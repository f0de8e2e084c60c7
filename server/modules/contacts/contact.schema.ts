import { z } from 'zod';
import { isoTimestamp } from '../../shared/schemas.ts';
import type { Contact } from './contact.entity.ts';
import { CONTACT_LIMITS, MAX_IMPORT_BATCH } from './contact-item.ts';
import { CONSENT_SCOPES, CONSENT_SOURCES, OPT_OUT_STATES, optOutOf } from './consent.ts';
import type { ConsentEventRow } from './consent.service.ts';

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
    optedOut: z.boolean().meta({ description: 'Opted out of everything (optOut ALL)' }),
    optOut: z.enum(OPT_OUT_STATES).meta({
      description: 'NONE: every template may go; MARKETING: no MARKETING template; ALL: no template at all',
    }),
    createdAt: isoTimestamp,
  })
  .meta({ id: 'Contact' });

const consentEventOutput = z.object({
  scope: z.enum(CONSENT_SCOPES),
  change: z.enum(['OPT_OUT', 'OPT_IN']),
  source: z.enum(CONSENT_SOURCES).meta({
    description:
      'API: a tenant user; INBOUND_KEYWORD: the contact wrote STOP, UNSUBSCRIBE or START; META_USER_PREFERENCES: ' +
      "the contact stopped or resumed marketing in WhatsApp; META_ERROR_131050: Meta refused a marketing send for that reason",
  }),
  occurredAt: isoTimestamp,
});

export const contactWithConsentOutput = contactOutput
  .extend({ consentHistory: z.array(consentEventOutput).meta({ description: 'Every change of consent, oldest first' }) })
  .meta({ id: 'ContactWithConsent' });

export const consentInput = z.strictObject({
  id: z.uuid('must be a contact id (UUID)'),
  scope: z.enum(CONSENT_SCOPES).meta({ description: 'ALL: every message; MARKETING: MARKETING templates only' }),
});

export const toContactOutput = (contact: Contact): z.infer<typeof contactOutput> => ({
  id: contact.id,
  phone: contact.phone,
  name: contact.name ?? null,
  attributes: contact.attributes ?? {},
  optedOut: contact.optedOut,
  optOut: optOutOf(contact),
  createdAt: contact.createdAt.toISOString(),
});

export const toContactWithConsent = (contact: Contact, history: ConsentEventRow[]): z.infer<typeof contactWithConsentOutput> => ({
  ...toContactOutput(contact),
  consentHistory: history.map((event) => ({
    scope: event.scope,
    change: event.opted_out ? 'OPT_OUT' : 'OPT_IN',
    source: event.source,
    occurredAt: new Date(event.occurred_at).toISOString(),
  })),
});
