import { classifyWhatsAppError, type RetryAdvice } from './errors.ts';

export type { RetryAdvice } from './errors.ts';

export interface TemplateSend {
  /** E.164 with leading '+', e.g. '+15551234567' (Meta is sent the digits without '+'). */
  to: string;
  /** e.g. 'welcome_message' */
  templateName: string;
  /** e.g. 'en_US' */
  language: string;
  /** In placeholder order; empty → no components. */
  bodyParameters: string[];
  /** The tenant channel's number and token; absent: the platform number the sender was built with. */
  from?: { phoneNumberId: string; accessToken: string } | undefined;
  /**
   * Sent as Meta's `biz_opaque_callback_data` (at most 512 characters), which Meta returns in the message's
   * status webhooks: how a send whose answer was lost is recognised by its statuses.
   */
  callbackData?: string | undefined;
}

export interface WhatsAppSender {
  /** The platform number (WHATSAPP_PHONE_NUMBER_ID): where a send without `from` leaves from. */
  readonly platformPhoneNumberId: string;
  /** Resolves with Meta's message id (wamid) on HTTP 200; otherwise throws WhatsAppError. */
  sendTemplate(send: TemplateSend): Promise<{ wamid: string }>;
}

export interface WhatsAppErrorDetails {
  code?: number | undefined;
  httpStatus?: number | undefined;
  fbtraceId?: string | undefined;
  /** Meta's error_data.details, when given. */
  details?: string | undefined;
  /** Overrides the advice derived from code and httpStatus. */
  advice?: RetryAdvice;
  cause?: unknown;
}

/** A send that did not return a wamid: Meta refused it, or it never got an answer. */
export class WhatsAppError extends Error {
  /** Meta's error.code, when there was an error body. */
  readonly code: number | undefined;
  /** undefined for network errors and timeouts. */
  readonly httpStatus: number | undefined;
  readonly advice: RetryAdvice;
  readonly fbtraceId: string | undefined;
  readonly details: string | undefined;

  constructor(message: string, details: WhatsAppErrorDetails = {}) {
    super(message, { cause: details.cause });
    this.name = 'WhatsAppError';
    this.code = details.code;
    this.httpStatus = details.httpStatus;
    this.fbtraceId = details.fbtraceId;
    this.details = details.details;
    this.advice = details.advice ?? classifyWhatsAppError(details.code, details.httpStatus);
  }
}

export type ProviderStatusName = 'sent' | 'delivered' | 'read' | 'failed';

export interface ProviderStatus {
  wamid: string;
  status: ProviderStatusName;
  /** From Meta's unix-seconds string. */
  timestamp: Date;
  recipientId: string | undefined;
  /** errors[0].code for failed. */
  errorCode: number | undefined;
  /** errors[0].title (or message). */
  errorTitle: string | undefined;
  /** value.metadata.phone_number_id: the business number the status is about. */
  phoneNumberId: string | undefined;
  /** What Meta says it will charge for the message (`pricing`), when the status carries it. */
  pricing?: StatusPricing | undefined;
  /** `biz_opaque_callback_data`: what the send gave Meta to return with the message's statuses. */
  callbackData?: string | undefined;
}

/** Meta's `statuses[].pricing`: billable false means Meta charges nothing for this message. */
export interface StatusPricing {
  billable: boolean;
  /** marketing, utility, authentication, service … as Meta names them. */
  category: string | undefined;
  /** regular, free_customer_service, free_entry_point … */
  type: string | undefined;
  /** PMP (per-message pricing), or CBP in older payloads. */
  pricingModel: string | undefined;
}
