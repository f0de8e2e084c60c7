import { z } from 'zod';
import type { ProviderStatus, ProviderStatusName } from './types.ts';

/** One status as Meta sends it; unknown fields (pricing, conversation, biz_opaque_callback_data…) pass through. */
export const webhookStatusSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  timestamp: z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]),
  recipient_id: z.string().optional(),
  errors: z
    .array(z.looseObject({ code: z.number().optional(), title: z.string().optional(), message: z.string().optional() }))
    .optional(),
});

const changeValueSchema = z.looseObject({
  messaging_product: z.string().optional(),
  metadata: z.looseObject({}).optional(),
  // Items are checked one by one in extractStatuses, so one odd status does not make Meta resend the rest for days.
  statuses: z.array(z.unknown()).optional(),
  messages: z.array(z.unknown()).optional(),
  contacts: z.array(z.unknown()).optional(),
});

/** Meta's webhook envelope: several entries, each with several changes, in one POST. */
export const webhookEnvelopeSchema = z.looseObject({
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
  const issue = parsed.error.issues[0];
  return { problem: `Not a WhatsApp webhook envelope: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid'}` };
}

function toProviderStatus(raw: unknown): ProviderStatus | undefined {
  const parsed = webhookStatusSchema.safeParse(raw);
  // Statuses Herald does not track (e.g. 'deleted', 'warning') and malformed ones are skipped, not errors.
  if (!parsed.success || !KNOWN_STATUSES.includes(parsed.data.status)) return undefined;
  const status = parsed.data;
  const firstError = status.errors?.[0];
  return {
    wamid: status.id,
    status: status.status as ProviderStatusName,
    timestamp: new Date(Number(status.timestamp) * 1000),
    recipientId: status.recipient_id,
    errorCode: firstError?.code,
    errorTitle: firstError?.title ?? firstError?.message,
  };
}

/** Every status of every change of every entry, in payload order; inbound messages give none. */
export function statusesOf(envelope: WebhookEnvelope): ProviderStatus[] {
  return envelope.entry.flatMap((entry) =>
    entry.changes.flatMap((change) => (change.value.statuses ?? []).map(toProviderStatus).filter((s) => s !== undefined)),
  );
}

/** statusesOf for a parsed JSON body; throws TypeError when it is not Meta's envelope. */
export function extractStatuses(body: unknown): ProviderStatus[] {
  const result = parseWebhookEnvelope(body);
  if ('problem' in result) throw new TypeError(result.problem);
  return statusesOf(result.envelope);
}
