import { z } from 'zod';
import { isSaneDate, isStorableText } from '../../shared/storable.ts';
import { firstIssueText } from '../../shared/validation-reason.ts';
import type { ProviderStatus, ProviderStatusName, StatusPricing } from './types.ts';

/** Meta's timestamps: Unix seconds, as a digit string or a number. */
const unixSeconds = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]);

/** One status as Meta sends it; unknown fields (pricing, conversation, biz_opaque_callback_data…) pass through. */
const webhookStatusSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  timestamp: unixSeconds,
  recipient_id: z.string().optional(),
  errors: z
    .array(z.looseObject({ code: z.number().optional(), title: z.string().optional(), message: z.string().optional() }))
    .optional(),
  // Anything but an object here is not Meta's pricing; it is dropped, not the status.
  pricing: z.unknown().optional(),
  // Likewise anything but a string is not the callback data a send gave Meta.
  biz_opaque_callback_data: z.unknown().optional(),
});

const pricingSchema = z.looseObject({
  billable: z.boolean(),
  category: z.string().max(64).optional(),
  type: z.string().max(64).optional(),
  pricing_model: z.string().max(64).optional(),
});

/** Meta's pricing object of a status, when it is one (billable must be a boolean). */
function pricingOf(raw: unknown): StatusPricing | undefined {
  const parsed = pricingSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const text = (value: string | undefined) => (value === undefined ? undefined : storableTruncated(value, 64));
  return { billable: parsed.data.billable, category: text(parsed.data.category), type: text(parsed.data.type), pricingModel: text(parsed.data.pricing_model) };
}

const changeValueSchema = z.looseObject({
  messaging_product: z.string().optional(),
  metadata: z.looseObject({}).optional(),
  // Items are checked one by one in extractStatuses, so one odd status does not make Meta resend the rest for days.
  statuses: z.array(z.unknown()).optional(),
  messages: z.array(z.unknown()).optional(),
  contacts: z.array(z.unknown()).optional(),
});

/** Meta's webhook envelope: several entries, each with several changes, in one POST. */
const webhookEnvelopeSchema = z.looseObject({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(
    z.looseObject({
      id: z.string().optional(),
      changes: z.array(z.looseObject({ field: z.string().optional(), value: changeValueSchema })),
    }),
  ),
});

export type WebhookEnvelope = z.infer<typeof webhookEnvelopeSchema>;

const KNOWN_STATUSES: readonly string[] = ['sent', 'delivered', 'read', 'failed'] satisfies ProviderStatusName[];

/** The envelope, or a reason it is not one. */
export function parseWebhookEnvelope(body: unknown): { envelope: WebhookEnvelope } | { problem: string } {
  const parsed = webhookEnvelopeSchema.safeParse(body);
  if (parsed.success) return { envelope: parsed.data };
  return { problem: `Not a WhatsApp webhook envelope: ${firstIssueText(parsed.error, 'body')}` };
}

/** Column sizes of message_status_event and message: what a status may carry into them. */
const DETAIL_LENGTH = 500;
const WAMID_LENGTH = 128;
/** Meta's limit for `biz_opaque_callback_data`; longer is not what a send gave. */
const CALLBACK_DATA_LENGTH = 512;
const INT4_MAX = 2_147_483_647;

/** Text cut to what PostgreSQL can store in a varchar(length): no NUL, no lone surrogate, at most `length` characters. */
function storableTruncated(text: string, length: number): string {
  return Array.from(text.toWellFormed().replaceAll('\u0000', '')).slice(0, length).join('');
}

/** The business number a change is about; anything else than Meta's digit string counts as absent. */
function phoneNumberIdOf(metadata: Record<string, unknown> | undefined): string | undefined {
  const value = metadata?.phone_number_id;
  return typeof value === 'string' && /^\d{1,64}$/.test(value) ? value : undefined;
}

/** One item of a change read: kept, skipped as malformed (reported), or ignored as not Herald's to act on. */
type Reading<Item> = { item: Item } | { skip: string } | { ignore: true };

/**
 * Every item of one list of every change of every entry, in payload order. Each is read on its own: a malformed
 * one is reported to `onSkip` with its index and left out, so the rest still apply.
 */
function readEach<Item>(
  envelope: WebhookEnvelope,
  listOf: (value: z.infer<typeof changeValueSchema>) => unknown,
  read: (raw: unknown, phoneNumberId: string | undefined) => Reading<Item>,
  onSkip: (problem: string, index: number) => void,
): Item[] {
  const items: Item[] = [];
  let index = 0;
  for (const entry of envelope.entry) {
    for (const change of entry.changes) {
      const list = listOf(change.value);
      if (!Array.isArray(list)) continue;
      const phoneNumberId = phoneNumberIdOf(change.value.metadata);
      for (const raw of list) {
        const reading = read(raw, phoneNumberId);
        if ('item' in reading) items.push(reading.item);
        else if ('skip' in reading) onSkip(reading.skip, index);
        index++;
      }
    }
  }
  return items;
}

function readStatus(raw: unknown, phoneNumberId: string | undefined): Reading<ProviderStatus> {
  const parsed = webhookStatusSchema.safeParse(raw);
  if (!parsed.success) return { skip: `malformed status: ${firstIssueText(parsed.error, 'status')}` };
  const status = parsed.data;
  // Statuses Herald does not track (e.g. 'deleted', 'warning') are not errors.
  if (!KNOWN_STATUSES.includes(status.status)) return { ignore: true };
  if (!isStorableText(status.id) || status.id.length > WAMID_LENGTH) return { skip: 'malformed status: id is not a WhatsApp message id' };
  const timestamp = new Date(Number(status.timestamp) * 1000);
  if (!isSaneDate(timestamp)) return { skip: `malformed status: timestamp ${String(status.timestamp).slice(0, 32)} is out of range` };
  const firstError = status.errors?.[0];
  const code = firstError?.code;
  const title = firstError?.title ?? firstError?.message;
  const callback = status.biz_opaque_callback_data;
  const callbackData = typeof callback === 'string' && callback.length <= CALLBACK_DATA_LENGTH && isStorableText(callback) ? callback : undefined;
  return {
    item: {
      wamid: status.id,
      status: status.status as ProviderStatusName,
      timestamp,
      recipientId: status.recipient_id,
      // An error code the integer column cannot hold is dropped, not the status.
      errorCode: code !== undefined && Number.isInteger(code) && Math.abs(code) <= INT4_MAX ? code : undefined,
      errorTitle: title === undefined ? undefined : storableTruncated(title, DETAIL_LENGTH),
      phoneNumberId,
      pricing: pricingOf(status.pricing),
      callbackData,
    },
  };
}

/**
 * Every status of every change of every entry, in payload order; inbound messages give none. Each status
 * is read on its own: a malformed one is reported to `onSkip` and left out, so the rest still apply.
 */
export function statusesOf(envelope: WebhookEnvelope, onSkip: (problem: string, index: number) => void = () => {}): ProviderStatus[] {
  return readEach(envelope, (value) => value.statuses, readStatus, onSkip);
}

/** One message a user wrote to a business number, as Meta reports it in `value.messages`. */
export interface InboundWhatsAppMessage {
  /** Meta's message id (a wamid): the same on every redelivery. */
  metaMessageId: string;
  /** The writer: digits with country code, no '+'. */
  from: string;
  /** text, image, audio, button, interactive, … as Meta names it. */
  type: string;
  /** The body of a `text` message; undefined for every other type. */
  text: string | undefined;
  /** Meta's timestamp: when the user sent it. */
  timestamp: Date;
  /** value.metadata.phone_number_id: the business number written to. */
  phoneNumberId: string | undefined;
  /** `context.id`: the wamid of the business's message this one replies to (a quote or a tapped button). */
  quotedWamid: string | undefined;
}

const webhookMessageSchema = z.looseObject({
  id: z.string().min(1),
  from: z.string().regex(/^\d{5,20}$/, 'must be the writer\'s number, digits only'),
  timestamp: unixSeconds,
  type: z.string().regex(/^[a-z_]{1,32}$/, 'must be a message type such as text'),
  text: z.looseObject({ body: z.string() }).optional(),
  // Anything but an object with a string id is no quote; it is dropped, not the message.
  context: z.unknown().optional(),
});

/** The wamid a message quotes, when `context.id` looks like one. */
function quotedWamidOf(context: unknown): string | undefined {
  const id = typeof context === 'object' && context !== null ? (context as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id.length > 0 && id.length <= WAMID_LENGTH && isStorableText(id) ? id : undefined;
}

/** WhatsApp's longest text message, in characters; anything beyond is not kept. */
const TEXT_LENGTH = 4096;

function readMessage(raw: unknown, phoneNumberId: string | undefined): Reading<InboundWhatsAppMessage> {
  const parsed = webhookMessageSchema.safeParse(raw);
  if (!parsed.success) return { skip: `malformed message: ${firstIssueText(parsed.error, 'message')}` };
  const message = parsed.data;
  if (!isStorableText(message.id) || message.id.length > WAMID_LENGTH) return { skip: 'malformed message: id is not a WhatsApp message id' };
  const timestamp = new Date(Number(message.timestamp) * 1000);
  if (!isSaneDate(timestamp)) return { skip: `malformed message: timestamp ${String(message.timestamp).slice(0, 32)} is out of range` };
  const body = message.type === 'text' ? message.text?.body : undefined;
  return {
    item: {
      metaMessageId: message.id,
      from: message.from,
      type: message.type,
      text: body === undefined ? undefined : storableTruncated(body, TEXT_LENGTH),
      timestamp,
      phoneNumberId,
      quotedWamid: quotedWamidOf(message.context),
    },
  };
}

/** Every inbound message of every change, in payload order; a malformed one goes to `onSkip` and the rest are kept. */
export function messagesOf(envelope: WebhookEnvelope, onSkip: (problem: string, index: number) => void = () => {}): InboundWhatsAppMessage[] {
  return readEach(envelope, (value) => value.messages, readMessage, onSkip);
}

/** statusesOf for a parsed JSON body; throws TypeError when it is not Meta's envelope. */
export function extractStatuses(body: unknown): ProviderStatus[] {
  const result = parseWebhookEnvelope(body);
  if ('problem' in result) throw new TypeError(result.problem);
  return statusesOf(result.envelope);
}

/** A user stopping or resuming marketing messages, from Meta's `user_preferences` webhook field. */
export interface UserPreferenceChange {
  /** The user: digits with country code, no '+'. */
  waId: string;
  /** `stop`: no more marketing messages; `resume`: marketing messages again. */
  value: 'stop' | 'resume';
  /** Meta's timestamp: when the user changed it. */
  timestamp: Date;
  /** value.metadata.phone_number_id: the business number it is about. */
  phoneNumberId: string | undefined;
}

const userPreferenceSchema = z.looseObject({
  wa_id: z.string().regex(/^\d{5,20}$/, "must be the user's number, digits only"),
  category: z.string(),
  value: z.string(),
  timestamp: unixSeconds,
});

function readUserPreference(raw: unknown, phoneNumberId: string | undefined): Reading<UserPreferenceChange> {
  const parsed = userPreferenceSchema.safeParse(raw);
  if (!parsed.success) return { skip: `malformed user preference: ${firstIssueText(parsed.error, 'preference')}` };
  const preference = parsed.data;
  // Only marketing messages have a preference today; another category or value is not Herald's to act on.
  if (preference.category !== 'marketing_messages' || (preference.value !== 'stop' && preference.value !== 'resume')) return { ignore: true };
  const timestamp = new Date(Number(preference.timestamp) * 1000);
  if (!isSaneDate(timestamp)) return { skip: `malformed user preference: timestamp ${String(preference.timestamp).slice(0, 32)} is out of range` };
  return { item: { waId: preference.wa_id, value: preference.value, timestamp, phoneNumberId } };
}

/** Every marketing stop/resume of every `user_preferences` change, in payload order; a malformed one goes to `onSkip`. */
export function userPreferencesOf(envelope: WebhookEnvelope, onSkip: (problem: string, index: number) => void = () => {}): UserPreferenceChange[] {
  return readEach(envelope, (value) => value.user_preferences, readUserPreference, onSkip);
}
