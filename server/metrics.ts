import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TemplateSend, WhatsAppSender } from './modules/whatsapp/types.ts';
import { WhatsAppError } from './modules/whatsapp/types.ts';

// Herald's Prometheus metrics: one registry per process, served at the API's /metrics and the worker's.
// Label values come from small fixed sets (route patterns, statuses, Meta's error codes), never from ids.

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'herald_process_' });

export const httpRequests = new Counter({
  name: 'herald_http_requests_total',
  help: 'HTTP requests answered, by method, route pattern and status code',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [registry],
});

export const httpDuration = new Histogram({
  name: 'herald_http_request_duration_seconds',
  help: 'HTTP request latency, by method, route pattern and status code',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const statusEvents = new Counter({
  name: 'herald_message_status_events_total',
  help: "Status events appended to messages' histories, by status and source (API, WORKFLOW, PROVIDER)",
  labelNames: ['status', 'source'] as const,
  registers: [registry],
});

export const debits = new Counter({
  name: 'herald_debits_total',
  help: 'Messages debited at dispatch (a charge above zero)',
  registers: [registry],
});

// Units (1/10,000 credit) keep the sums exact: a float64 counts whole units exactly up to 2^53.
const debitedUnits = new Counter({
  name: 'herald_debited_units_total',
  help: 'Credits debited for messages, in units of 1/10,000 credit',
  registers: [registry],
});

export const refunds = new Counter({
  name: 'herald_refunds_total',
  help: 'Message charges refunded (failed or not billable)',
  registers: [registry],
});

const refundedUnits = new Counter({
  name: 'herald_refunded_units_total',
  help: 'Credits refunded for messages, in units of 1/10,000 credit',
  registers: [registry],
});

export const webhookStatuses = new Counter({
  name: 'herald_webhook_statuses_total',
  help: "Message statuses received in Meta's webhooks, by status (sent, delivered, read, failed)",
  labelNames: ['status'] as const,
  registers: [registry],
});

const sendDuration = new Histogram({
  name: 'herald_whatsapp_send_duration_seconds',
  help: 'Latency of WhatsApp template sends to the Graph API, by outcome (ok or error)',
  labelNames: ['outcome'] as const,
  buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

const sendErrors = new Counter({
  name: 'herald_whatsapp_send_errors_total',
  help: "WhatsApp sends that returned no wamid, by Meta's error code (none: no answer) and HTTP status",
  labelNames: ['code', 'http_status'] as const,
  registers: [registry],
});

export const sendsRecovered = new Counter({
  name: 'herald_whatsapp_sends_recovered_total',
  help: "Sends whose answer was lost, recognised by Meta's status naming the message and so not sent again",
  registers: [registry],
});

export const governorWait = new Histogram({
  name: 'herald_governor_wait_seconds',
  help: "How long the send governor made a message wait for its number's next send slot",
  buckets: [0, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
  registers: [registry],
});

/** Meta's error codes are a few hundred at most; anything else collapses into one label value. */
const codeLabel = (code: number | undefined) => (code === undefined ? 'none' : Number.isInteger(code) && code >= 0 && code < 10_000_000 ? String(code) : 'other');

/** The sender, timed: each send's latency and, when it fails, Meta's error code. */
export function measuredSender(sender: WhatsAppSender): WhatsAppSender {
  return {
    get platformPhoneNumberId() {
      return sender.platformPhoneNumberId;
    },
    async sendTemplate(send: TemplateSend) {
      const stop = sendDuration.startTimer();
      try {
        const sent = await sender.sendTemplate(send);
        stop({ outcome: 'ok' });
        return sent;
      } catch (error) {
        stop({ outcome: 'error' });
        const known = error instanceof WhatsAppError;
        sendErrors.inc({ code: codeLabel(known ? error.code : undefined), http_status: known && error.httpStatus ? String(error.httpStatus) : 'none' });
        throw error;
      }
    },
  };
}

/** A debit posted at dispatch (amount in units); called once, where the entry was written. */
export function countDebit(amount: bigint): void {
  debits.inc();
  debitedUnits.inc(Number(amount));
}

/** A refund posted by settlement (amount in units); called once, after its transaction committed. */
export function countRefund(amount: bigint): void {
  refunds.inc();
  refundedUnits.inc(Number(amount));
}
