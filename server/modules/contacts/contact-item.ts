import { isStorableText } from '../../shared/storable.ts';
import { normalisePhone } from './phone.ts';

/** Contacts per import request; a bigger request is refused as a whole. */
export const MAX_IMPORT_BATCH = 10_000;

/** Limits on one imported contact; the documented item schema (contact.schema.ts) repeats them. */
export const CONTACT_LIMITS = {
  nameLength: 200,
  attributeKeys: 50,
  attributeKeyLength: 64,
  attributeValueLength: 500,
} as const;

export interface ValidContact {
  phone: string;
  name: string | null;
  attributes: Record<string, string>;
}

export type ItemResult = { ok: true; contact: ValidContact } | { ok: false; reason: string };

const ALLOWED_FIELDS = new Set(['phone', 'name', 'attributes']);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// Counted in code points, as PostgreSQL's varchar counts characters.
const lengthOf = (text: string): number => {
  let count = 0;
  for (const _ of text) count++;
  return count;
};

const fail = (reason: string): ItemResult => ({ ok: false, reason });

function checkName(value: unknown): { name: string | null } | { reason: string } {
  if (value === undefined || value === null) return { name: null };
  if (typeof value !== 'string') return { reason: 'name must be a string' };
  const name = value.trim();
  if (!isStorableText(name)) return { reason: 'name contains characters that cannot be stored (NUL or unpaired surrogates)' };
  if (lengthOf(name) > CONTACT_LIMITS.nameLength) return { reason: `name is too long (at most ${CONTACT_LIMITS.nameLength} characters)` };
  return { name: name.length > 0 ? name : null };
}

function checkAttributes(value: unknown): { attributes: Record<string, string> } | { reason: string } {
  if (value === undefined || value === null) return { attributes: {} };
  if (!isPlainObject(value)) return { reason: 'attributes must be an object of string values' };
  const entries = Object.entries(value);
  if (entries.length > CONTACT_LIMITS.attributeKeys) {
    return { reason: `attributes are too big: at most ${CONTACT_LIMITS.attributeKeys} keys` };
  }
  for (const [key, item] of entries) {
    if (key.length === 0) return { reason: 'attributes are invalid: a key is empty' };
    if (lengthOf(key) > CONTACT_LIMITS.attributeKeyLength) {
      return { reason: `attributes are too big: key "${key.slice(0, 20)}…" is longer than ${CONTACT_LIMITS.attributeKeyLength} characters` };
    }
    if (typeof item !== 'string') return { reason: `attributes must be an object of string values ("${key}" is not a string)` };
    if (lengthOf(item) > CONTACT_LIMITS.attributeValueLength) {
      return { reason: `attributes are too big: "${key}" is longer than ${CONTACT_LIMITS.attributeValueLength} characters` };
    }
    if (!isStorableText(key) || !isStorableText(item)) {
      return { reason: 'attributes contain characters that cannot be stored (NUL or unpaired surrogates)' };
    }
  }
  return { attributes: Object.fromEntries(entries) as Record<string, string> };
}

/** Validates one item of an import on its own, so one bad row never sinks the batch. */
export function validateContactItem(item: unknown): ItemResult {
  if (!isPlainObject(item)) return fail('must be an object like {"phone": "+15551234567", "name": "Alice"}');
  const unknown = Object.keys(item).find((key) => !ALLOWED_FIELDS.has(key));
  if (unknown !== undefined) return fail(`unknown field "${unknown.slice(0, 64)}" (allowed: phone, name, attributes)`);
  if (item.phone === undefined || item.phone === null) return fail('phone is required');
  if (typeof item.phone !== 'string') return fail('phone must be a string, e.g. "+15551234567"');
  const phone = normalisePhone(item.phone);
  if (!phone.ok) return fail(phone.reason);
  const name = checkName(item.name);
  if ('reason' in name) return fail(name.reason);
  const attributes = checkAttributes(item.attributes);
  if ('reason' in attributes) return fail(attributes.reason);
  return { ok: true, contact: { phone: phone.e164, name: name.name, attributes: attributes.attributes } };
}
