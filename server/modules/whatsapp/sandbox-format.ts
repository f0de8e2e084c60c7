// Meta's wire formats as the sandbox speaks them: the request it validates, its answers, its webhook envelope.
import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ProviderStatusName } from './types.ts';

/** The WABA of the sandbox's platform number (and of any number it does not know). */
export const SANDBOX_WABA_ID = '102290129340398';
/** What the sandbox shows for a number it has no details of. */
export const SANDBOX_DISPLAY_NUMBER = '15550783881';
export const SANDBOX_VERIFIED_NAME = 'Sandbox Business';

const textParameter = z.looseObject({ type: z.literal('text'), text: z.string().min(1) });

/** The template send request, checked as Meta would (the sandbox serves only template messages). */
export const sandboxSendSchema = z.looseObject({
  messaging_product: z.literal('whatsapp'),
  recipient_type: z.literal('individual').optional(),
  to: z.string().regex(/^\+?\d{7,15}$/, 'must be a phone number with country code, digits only'),
  type: z.literal('template'),
  template: z.looseObject({
    name: z.string().regex(/^[a-z0-9_]{1,512}$/, 'must be lowercase letters, digits and underscores'),
    language: z.looseObject({ code: z.string().min(2) }),
    components: z.array(z.looseObject({ type: z.string(), parameters: z.array(textParameter).optional() })).optional(),
  }),
  biz_opaque_callback_data: z.string().max(512, 'must be at most 512 characters').optional(),
});

export type SandboxSendRequest = z.infer<typeof sandboxSendSchema>;

export function bodyParametersOf(request: SandboxSendRequest): string[] {
  const body = request.template.components?.find((component) => component.type === 'body');
  return body?.parameters?.map((parameter) => parameter.text) ?? [];
}

export const newWamid = () => `wamid.${randomBytes(30).toString('base64url')}`;
const newTraceId = () => `A${randomBytes(15).toString('base64url')}`;

/** Meta's error body: `{error: {message, type, code, error_data: {messaging_product, details}, fbtrace_id}}`. */
export function metaError(code: number, message: string, details: string, type = 'OAuthException') {
  return {
    error: {
      message: `(#${code}) ${message}`,
      type,
      code,
      error_data: { messaging_product: 'whatsapp', details },
      fbtrace_id: newTraceId(),
    },
  };
}

/**
 * One page of a Graph list as Meta answers it: `data`, `paging.cursors.{before, after}`, and `paging.next` while
 * more follow (`limit` up to 100 and the `after` cursor from the query).
 */
export function metaPage<Item>(request: FastifyRequest, items: Item[], pageSize: number, show: (item: Item) => Record<string, unknown>) {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const limit = Math.min(Math.max(Number(query.limit) || pageSize, 1), 100);
  const offset = typeof query.after === 'string' ? Number(Buffer.from(query.after, 'base64url').toString()) || 0 : 0;
  const data = items.slice(offset, offset + limit).map(show);
  const cursor = (at: number) => Buffer.from(String(at)).toString('base64url');
  const paging: Record<string, unknown> = { cursors: { before: cursor(offset), after: cursor(offset + data.length) } };
  if (offset + limit < items.length) {
    paging.next = `${request.protocol}://${request.host}${request.url.split('?')[0]}?limit=${limit}&after=${cursor(offset + data.length)}`;
  }
  return { data, paging };
}

export function metaAccepted(input: string, waId: string, wamid: string) {
  return {
    messaging_product: 'whatsapp',
    contacts: [{ input, wa_id: waId }],
    messages: [{ id: wamid, message_status: 'accepted' }],
  };
}

export interface SandboxStatusEvent {
  wamid: string;
  status: ProviderStatusName;
  recipientId: string;
  error?: { code: number; title: string; details: string };
  /** Meta's pricing of the message (absent on a failure, which Meta does not charge). */
  pricing?: { billable: boolean; category?: string | undefined; type?: string | undefined };
  /** The send's `biz_opaque_callback_data`, returned as given. */
  callbackData?: string | undefined;
}

export interface SandboxIdentity {
  wabaId: string;
  phoneNumberId: string;
  displayPhoneNumber: string;
}

/** The full webhook envelope Meta posts for one status, stamped with the current time. */
export function statusEnvelope(identity: SandboxIdentity, event: SandboxStatusEvent) {
  const status: Record<string, unknown> = {
    id: event.wamid,
    status: event.status,
    timestamp: String(Math.floor(Date.now() / 1000)),
    recipient_id: event.recipientId,
  };
  if (event.error) {
    const { code, title, details } = event.error;
    status.errors = [{ code, title, message: title, error_data: { details } }];
  }
  if (event.pricing) {
    const { billable, category, type } = event.pricing;
    status.pricing = { billable, pricing_model: 'PMP', ...(category ? { category } : {}), type: type ?? 'regular' };
  }
  if (event.callbackData !== undefined) status.biz_opaque_callback_data = event.callbackData;
  return messagesEnvelope(identity, { statuses: [status] });
}

/** An OAuth error as Graph answers it (no `error_data`, an `error_subcode` instead). */
export function oauthError(code: number, subcode: number | undefined, message: string) {
  return { error: { message, type: 'OAuthException', code, ...(subcode === undefined ? {} : { error_subcode: subcode }), fbtrace_id: newTraceId() } };
}

/** Embedded Signup's exchange answer: a business token for the code. */
export const oauthAccessToken = (accessToken: string) => ({ access_token: accessToken, token_type: 'bearer' });

export interface SandboxInboundEvent {
  id: string;
  /** The writer's digits, no '+'. */
  from: string;
  text: string;
  /** The wamid of the business's message it replies to (Meta's `context.id`). */
  quotedWamid?: string | undefined;
}

/** The webhook envelope Meta posts when a user writes a text to a business number, stamped with the current time. */
export function inboundEnvelope(identity: SandboxIdentity, event: SandboxInboundEvent) {
  const context = event.quotedWamid ? { context: { from: identity.displayPhoneNumber, id: event.quotedWamid } } : {};
  return messagesEnvelope(identity, {
    contacts: [{ profile: { name: 'Sandbox contact' }, wa_id: event.from }],
    messages: [
      { from: event.from, id: event.id, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: event.text }, ...context },
    ],
  });
}

/** One change of a template webhook: `field` is message_template_status_update, message_template_quality_update or template_category_update. */
export interface SandboxTemplateChange {
  field: string;
  value: Record<string, unknown>;
}

/** The webhook envelope Meta posts about a WABA's templates: unlike the messages one, its entry carries a `time`. */
export function templateEnvelope(wabaId: string, changes: SandboxTemplateChange[]) {
  return changeEnvelope(wabaId, changes, Math.floor(Date.now() / 1000));
}

/** Meta's webhook envelope: one entry for the WABA, holding its changes. */
function changeEnvelope<Change extends { field: string; value: object }>(wabaId: string, changes: Change[], time?: number) {
  return { object: 'whatsapp_business_account', entry: [{ id: wabaId, ...(time === undefined ? {} : { time }), changes }] };
}

/** A `messages` change about one business number: its fields follow the number's metadata. */
function messagesEnvelope<Fields extends object>(identity: SandboxIdentity, fields: Fields) {
  const metadata = { display_phone_number: identity.displayPhoneNumber, phone_number_id: identity.phoneNumberId };
  return changeEnvelope(identity.wabaId, [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata, ...fields } }]);
}
