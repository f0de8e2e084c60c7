// A contact's consent: two opt-outs (everything, or marketing alone) and how each kind of change moves them.
// Pure, so the API, the webhooks and Meta's 131050 all apply one rule.

export const CONSENT_SCOPES = ['ALL', 'MARKETING'] as const;
export type ConsentScope = (typeof CONSENT_SCOPES)[number];

export const OPT_OUT_STATES = ['NONE', 'MARKETING', 'ALL'] as const;
export type OptOutState = (typeof OPT_OUT_STATES)[number];

export const CONSENT_SOURCES = ['API', 'INBOUND_KEYWORD', 'META_USER_PREFERENCES', 'META_ERROR_131050'] as const;
export type ConsentSource = (typeof CONSENT_SOURCES)[number];

/** The contact's stored state: `optedOut` is out of everything, `marketingOptedOut` out of marketing. */
export interface ConsentFlags {
  optedOut: boolean;
  marketingOptedOut: boolean;
}

/** What callers see: the broadest opt-out in force. */
export const optOutOf = (flags: ConsentFlags): OptOutState => (flags.optedOut ? 'ALL' : flags.marketingOptedOut ? 'MARKETING' : 'NONE');

/**
 * The flags after a change. Opting out of a scope sets its flag. Opting in to ALL clears both (the contact
 * takes every message again); opting in to MARKETING lifts only the marketing opt-out, so a stop of
 * everything still stands.
 */
export function flagsAfter(flags: ConsentFlags, scope: ConsentScope, optedOut: boolean): ConsentFlags {
  if (optedOut) return scope === 'ALL' ? { ...flags, optedOut: true } : { ...flags, marketingOptedOut: true };
  return scope === 'ALL' ? { optedOut: false, marketingOptedOut: false } : { ...flags, marketingOptedOut: false };
}

/** The keywords a contact writes (the whole text, trimmed, any case): STOP and UNSUBSCRIBE out of everything, START back in. */
export function consentKeyword(text: string | null | undefined): { optedOut: boolean } | undefined {
  const word = text?.trim().toUpperCase();
  if (word === 'STOP' || word === 'UNSUBSCRIBE') return { optedOut: true };
  if (word === 'START') return { optedOut: false };
  return undefined;
}
