import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { InboundWriting } from '../inbound/inbound.service.ts';
import type { UserPreferenceChange } from '../whatsapp/webhook-payload.ts';
import { consentKeyword } from './consent.ts';
import { applyConsentChange, recordConsentChange } from './consent.service.ts';

// Consent as contacts and Meta report it through webhooks: both may be redelivered and out of order, which
// applyConsentChange absorbs (a repeat changes nothing, an older change than the latest recorded is stale).

/**
 * STOP / UNSUBSCRIBE opt the writer out of everything, START back in; any other text changes nothing. Runs in the
 * caller's transaction, the one that stored the messages.
 */
export async function applyConsentKeywords(tx: EntityManager, writings: InboundWriting[], logger: Logger): Promise<void> {
  for (const writing of writings) {
    const keyword = consentKeyword(writing.text);
    if (!keyword) continue;
    const outcome = await applyConsentChange(tx, {
      contactId: writing.contactId,
      scope: 'ALL',
      optedOut: keyword.optedOut,
      source: 'INBOUND_KEYWORD',
      occurredAt: writing.receivedAt,
      ignoreIfOlder: true,
    });
    logger.info({ contactId: writing.contactId, optedOut: keyword.optedOut, outcome }, 'consent keyword from a contact');
  }
}

export interface PreferenceRouting {
  /** WHATSAPP_PHONE_NUMBER_ID: a preference about it applies to every tenant that has the user as a contact. */
  platformPhoneNumberId: string;
}

/** The contacts a preference is about: the channel's tenant's contact with that phone, or every tenant's for the platform number. */
async function contactsAddressed(em: EntityManager, routing: PreferenceRouting, change: UserPreferenceChange, logger: Logger): Promise<string[]> {
  const phone = `+${change.waId}`;
  const [channel] = await em.execute<{ tenant_id: string }[]>('select tenant_id from channel where phone_number_id = ?', [change.phoneNumberId]);
  if (channel) {
    const rows = await em.execute<{ id: string }[]>('select id from contact where tenant_id = ? and phone = ?', [channel.tenant_id, phone]);
    return rows.map((row) => row.id);
  }
  if (change.phoneNumberId !== routing.platformPhoneNumberId) {
    logger.warn({ phoneNumberId: change.phoneNumberId }, 'user preference about a number no channel has: ignored');
    return [];
  }
  return (await em.execute<{ id: string }[]>('select id from contact where phone = ?', [phone])).map((row) => row.id);
}

/** Meta's `user_preferences`: a user stopping marketing messages opts the contact out of MARKETING; resuming, back in. */
export async function recordUserPreferences(
  em: EntityManager,
  routing: PreferenceRouting,
  changes: UserPreferenceChange[],
  logger: Logger,
): Promise<void> {
  for (const change of changes) {
    if (change.phoneNumberId === undefined) {
      logger.warn('user preference without metadata.phone_number_id: ignored');
      continue;
    }
    for (const contactId of await contactsAddressed(em, routing, change, logger)) {
      await recordConsentChange(em, {
        contactId,
        scope: 'MARKETING',
        optedOut: change.value === 'stop',
        source: 'META_USER_PREFERENCES',
        occurredAt: change.timestamp,
        ignoreIfOlder: true,
      });
    }
  }
}
