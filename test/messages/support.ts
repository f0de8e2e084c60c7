// A tenant ready to send: an ADMIN, credits, an APPROVED template and contacts whose numbers choose the
// sandbox's outcome (…0000 failed webhook, …0001 refused send, …0002 throttled twice, others delivered).
import { expect } from 'vitest';
import { statusEnvelope } from '../../server/modules/whatsapp/sandbox-format.ts';
import { signPayload } from '../../server/modules/whatsapp/signature.ts';
import type { ProviderStatusName } from '../../server/modules/whatsapp/types.ts';
import { bearer, registerTenant, superAdmin, type TenantAdmin } from '../support/actors.ts';
import { rest, type Harness } from '../support/harness.ts';
import { eventually } from '../support/eventually.ts';

let phoneSeq = Math.floor(Math.random() * 1000);

/** Sandbox delays that hold its own statuses back (10 minutes): every status a test sees is one it posts. */
export const SILENT_SANDBOX = { sent: 600_000, delivered: 600_000, read: 600_000 };

export interface SendingTenant extends TenantAdmin {
  templateId: string;
  contact(suffix?: string, name?: string): Promise<string>;
}

export async function sendingTenant(herald: Harness, credits: string | number = '10.00'): Promise<SendingTenant> {
  const admin = await registerTenant(herald, 'Sender');
  if (Number(credits) > 0) {
    const operator = await superAdmin(herald);
    const topUp = await rest(herald, 'POST', '/billing/add-credits', { tenantId: admin.tenantId, amount: credits, description: 'test credits' }, bearer(operator.token));
    expect(topUp.status).toBe(200);
  }
  const template = await rest(
    herald,
    'POST',
    '/templates',
    { name: 'welcome_message', content: 'Hello {{1}}, welcome!', variables: ['name'], metaTemplateId: 'meta_12345', status: 'APPROVED' },
    bearer(admin.token),
  );
  expect(template.status).toBe(201);
  return {
    ...admin,
    templateId: template.body.id,
    async contact(suffix = '4242', name = 'Alice') {
      // +1 555 NNN SSSS: the last four digits choose the sandbox's outcome.
      const phone = `+1555${String(phoneSeq++ % 1000).padStart(3, '0')}${suffix}`;
      const imported = await rest(herald, 'POST', '/contacts/import', { contacts: [{ phone, name }] }, bearer(admin.token));
      expect(imported.body.imported).toBe(1);
      const listed = await rest(herald, 'GET', `/contacts?search=${encodeURIComponent(phone.slice(1))}`, undefined, bearer(admin.token));
      return listed.body.items[0].id as string;
    },
  };
}

export async function schedule(herald: Harness, tenant: SendingTenant, contactId: string, extra: Record<string, unknown> = {}) {
  return rest(
    herald,
    'POST',
    '/messages/schedule',
    { templateId: tenant.templateId, contactId, scheduleTime: new Date().toISOString(), idempotencyKey: crypto.randomUUID(), ...extra },
    bearer(tenant.token),
  );
}

/** Polls `GET /messages/{id}` until `accept` holds, returning that answer; fails with the last one when the time is up. */
export function waitForMessage(herald: Harness, token: string, id: string, accept: (message: any) => boolean, timeoutMs = 45_000): Promise<any> {
  const read = async () => (await rest(herald, 'GET', `/messages/${id}`, undefined, bearer(token))).body;
  return eventually(read, accept, { timeoutMs, what: `message ${id}` });
}

export const balanceOf = async (herald: Harness, token: string) => (await rest(herald, 'GET', '/billing/balance', undefined, bearer(token))).body.balance;
export const ledgerOf = async (herald: Harness, token: string) => (await rest(herald, 'GET', '/billing/ledger?limit=100', undefined, bearer(token))).body.items;

/** Accepted sends the stand-in for Meta saw to this phone, or to any of these phones. */
export function sendsTo(herald: Harness, phones: string | readonly string[]) {
  const wanted = new Set(typeof phones === 'string' ? [phones] : phones);
  return herald.sandbox.sent.filter((record) => wanted.has(record.to) && record.httpStatus === 200);
}

/** Posts a webhook body exactly as Meta would: signed over its raw bytes with the app secret. */
export function postWebhook(herald: Harness, envelope: unknown): Promise<Response> {
  const body = Buffer.from(JSON.stringify(envelope));
  return fetch(`${herald.url}/webhook/meta`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signPayload(body, herald.services.webhookSecret!) },
    body,
  });
}

/** Posts one status in Meta's full envelope (the sandbox's builder), about the platform number unless told another. */
export async function postStatus(
  herald: Harness,
  wamid: string,
  status: ProviderStatusName,
  extra: Record<string, unknown> = {},
  phoneNumberId = herald.config.whatsapp.phoneNumberId,
) {
  const envelope = statusEnvelope(
    { wabaId: '102290129340398', phoneNumberId, displayPhoneNumber: '15550783881' },
    { wamid, status, recipientId: '15551234567' },
  );
  Object.assign(envelope.entry[0]!.changes[0]!.value.statuses[0]!, extra);
  return (await postWebhook(herald, envelope)).status;
}
