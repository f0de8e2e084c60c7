import { parsePhoneNumberWithError, ParseError, validatePhoneNumberLength } from 'libphonenumber-js';

export type PhoneResult = { ok: true; e164: string } | { ok: false; reason: string };

// Digits with the usual separators, after a `+` or `00`; anything else (letters, extensions) is refused.
const INTERNATIONAL = /^(?:\+|00)[0-9 ()./-]+$/;
const LOCAL_LOOKING = /^[0-9 ()./-]+$/;
const MAX_INPUT_LENGTH = 40;
// E.164 caps a number at 15 digits, though some national plans "possibly" allow more (DE, ID).
const E164_MAX_DIGITS = 15;

const LENGTH_REASONS: Record<string, string> = {
  TOO_SHORT: 'phone is an impossible number: too short for its country',
  TOO_LONG: 'phone is an impossible number: too long for its country',
  INVALID_LENGTH: 'phone is an impossible number: wrong length for its country',
  INVALID_COUNTRY: 'phone has an unknown country calling code',
  NOT_A_NUMBER: 'phone is not a phone number',
};

/**
 * Normalises an international phone number to E.164. Any POSSIBLE number is accepted (right country
 * code and length), not only currently assigned ones: fictional 555 numbers must import.
 */
export function normalisePhone(input: string): PhoneResult {
  const text = input.trim();
  if (text.length === 0) return { ok: false, reason: 'phone is empty' };
  if (text.length > MAX_INPUT_LENGTH) return { ok: false, reason: 'phone is not a phone number (too long)' };
  if (!INTERNATIONAL.test(text)) {
    return LOCAL_LOOKING.test(text)
      ? { ok: false, reason: 'phone must be international: start with + or 00, then the country code' }
      : { ok: false, reason: 'phone is not a phone number' };
  }
  const international = text.startsWith('00') ? `+${text.slice(2)}` : text;
  try {
    const phone = parsePhoneNumberWithError(international, { extract: false });
    if (phone.isPossible()) {
      return phone.number.length - 1 > E164_MAX_DIGITS
        ? { ok: false, reason: `phone is an impossible number: more than the ${E164_MAX_DIGITS} digits E.164 allows` }
        : { ok: true, e164: phone.number };
    }
    const problem = validatePhoneNumberLength(international) ?? 'INVALID_LENGTH';
    return { ok: false, reason: LENGTH_REASONS[problem] ?? LENGTH_REASONS.INVALID_LENGTH! };
  } catch (error) {
    if (error instanceof ParseError) {
      return { ok: false, reason: LENGTH_REASONS[error.message] ?? 'phone is not a phone number' };
    }
    throw error;
  }
}
