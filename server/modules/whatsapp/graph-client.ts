import { type TemplateSend, WhatsAppError, type WhatsAppSender } from './types.ts';

export interface GraphClientOptions {
  /** e.g. 'https://graph.facebook.com', or the sandbox's 'http://127.0.0.1:3000/sandbox/graph'. */
  baseUrl: string;
  /** Pinned Graph API version, e.g. 'v23.0'. */
  version: string;
  phoneNumberId: string;
  accessToken: string;
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

/** The Cloud API's request body for a template message: body parameters as text, in the template's order. */
function templateRequestBody(send: TemplateSend): Record<string, unknown> {
  const template: Record<string, unknown> = { name: send.templateName, language: { code: send.language } };
  if (send.bodyParameters.length > 0) {
    template.components = [
      { type: 'body', parameters: send.bodyParameters.map((text) => ({ type: 'text', text })) },
    ];
  }
  const body: Record<string, unknown> = { messaging_product: 'whatsapp', to: send.to.replace(/\D/g, ''), type: 'template', template };
  if (send.callbackData !== undefined) body.biz_opaque_callback_data = send.callbackData;
  return body;
}

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function parseJson(text: string): Json | undefined {
  try {
    return asObject(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** Turns Meta's error body (or its absence) into a WhatsAppError carrying the retry advice. */
function refusal(status: number, body: Json | undefined): WhatsAppError {
  const error = asObject(body?.error);
  const code = typeof error?.code === 'number' ? error.code : undefined;
  const message = asString(error?.message) ?? 'no error body';
  return new WhatsAppError(`WhatsApp refused the send (HTTP ${status}${code === undefined ? '' : `, code ${code}`}): ${message}`, {
    code,
    httpStatus: status,
    fbtraceId: asString(error?.fbtrace_id),
    details: asString(asObject(error?.error_data)?.details),
  });
}

/** Network failures and timeouts: no answer, so the send may or may not have reached Meta. */
function noAnswer(error: unknown, timeoutMs: number): WhatsAppError {
  const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
  const reason = timedOut ? `no answer within ${timeoutMs} ms` : `network error: ${error instanceof Error ? error.message : String(error)}`;
  return new WhatsAppError(`WhatsApp send got no answer (${reason})`, { advice: 'retry', cause: error });
}

/** A WhatsAppSender over the Graph API; the token only ever goes into the Authorization header. */
export function createGraphClient(options: GraphClientOptions): WhatsAppSender {
  const { version, phoneNumberId, accessToken, timeoutMs = 10_000 } = options;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const messagesUrl = (number: string) =>
    `${options.baseUrl.replace(/\/+$/, '')}/${encodeURIComponent(version)}/${encodeURIComponent(number)}/messages`;

  return {
    platformPhoneNumberId: phoneNumberId,
    async sendTemplate(send) {
      let status: number;
      let text: string;
      try {
        const from = send.from ?? { phoneNumberId, accessToken };
        const response = await fetchImpl(messagesUrl(from.phoneNumberId), {
          method: 'POST',
          headers: { authorization: `Bearer ${from.accessToken}`, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(templateRequestBody(send)),
          signal: AbortSignal.timeout(timeoutMs),
        });
        status = response.status;
        text = await response.text();
      } catch (error) {
        // Duplicate-send window: Meta has no idempotency key, so if it accepted the message but the answer
        // was lost (timeout, reset connection), the 'retry' advice makes the caller send it a second time.
        throw noAnswer(error, timeoutMs);
      }
      const body = parseJson(text);
      if (status !== 200) throw refusal(status, body);
      const messages = Array.isArray(body?.messages) ? body.messages : [];
      const wamid = asString(asObject(messages[0])?.id);
      if (!wamid) {
        // Accepted but unreadable: resending could deliver twice, so the advice is 'never'.
        throw new WhatsAppError('WhatsApp accepted the send but returned no message id', { httpStatus: status, advice: 'never' });
      }
      return { wamid };
    },
  };
}
