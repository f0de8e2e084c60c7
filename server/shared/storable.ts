import { z } from 'zod';

/**
 * What PostgreSQL can store. Its text and jsonb types refuse U+0000, and an unpaired UTF-16 surrogate
 * has no UTF-8 form; its timestamptz refuses years JavaScript's Date allows. Every input passes here
 * first, so such values are a 400 with a reason instead of a database error.
 */
export const UNSTORABLE_TEXT = 'UNSTORABLE_TEXT';
export const DATE_OUT_OF_RANGE = 'DATE_OUT_OF_RANGE';

export const isStorableText = (value: string): boolean => value.isWellFormed() && !value.includes('\u0000');

const unstorable = { message: 'must not contain NUL (U+0000) or unpaired surrogate characters', params: { reason: UNSTORABLE_TEXT } };

/** Adds the storable-text check to any string schema (`storable(z.email())`). */
export const storable = <T extends z.ZodType<string, string>>(schema: T): T => schema.refine(isStorableText, unstorable) as T;

/** The start of every text input: `text().trim().min(1).max(200)`. */
export const text = () => z.string().refine(isStorableText, unstorable);

/** Sane bounds for every date Herald reads: later than the Unix epoch and within four-digit years. */
const EARLIEST_DATE = new Date(Date.UTC(1970, 0, 1));
const LATEST_DATE = new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999));

export const isSaneDate = (date: Date): boolean => {
  const time = date.getTime();
  return Number.isFinite(time) && time >= EARLIEST_DATE.getTime() && time <= LATEST_DATE.getTime();
};

/** An ISO 8601 date-time with an offset, within the sane bounds, as a Date. */
export const dateTimeInput = (example: string) =>
  z.iso
    .datetime({ offset: true, message: `must be an ISO 8601 date-time with an offset, e.g. ${example}` })
    .refine((value) => isSaneDate(new Date(value)), {
      message: 'must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z',
      params: { reason: DATE_OUT_OF_RANGE },
    })
    .transform((value) => new Date(value))
    .meta({ example });
