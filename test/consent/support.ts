// Consent as contacts and Meta report it: signed webhooks in Meta's formats, and the contact as the API shows it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import { inboundEnvelope } from '../../server/modules/whatsapp/sandbox-format.ts';
import { bearer } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { eventually } from '../support/eventually.ts';
import { postWebhook, schedule, sendingTenant, waitForMessage, type SendingTenant } from '../messages/support.ts';

const WABA = '102290129340398';
const identity = (phoneNumberId: string) => ({ wabaId: WABA, phoneNumberId, displayPhoneNumber: '15550783881' });
const seconds = (date: Date) => String(Math.floor(date.getTime() / 1000));

/**
 * A contact writes `text` to a business number (the platform number unless told), as Meta's `messages` webhook says;
 * `quoting` is the wamid of the business's message it replies to (on the platform number: whose reply it is).
 */
export async function write(herald: Harness, from: string, text: string, options: { phoneNumberId?: string; at?: Date; quoting?: string } = {}) {
  const envelope = inboundEnvelope(identity(options.phoneNumberId ?? herald.config.whatsapp.phoneNumberId), {
    id: `wamid.in-${randomUUID()}`,
    from: from.replace(/^\+/, ''),
    text,
    quotedWamid: options.quoting,
  });
  if (options.at) envelope.entry[0]!.changes[0]!.value.messages[0]!.timestamp = seconds(options.at);
  const response = await postWebhook(herald, envelope);
  expect(response.status).toBe(200);
  return envelope;
}

/** The tenant's message to the contact from the platform number, sent: its wamid (a reply quoting it is the tenant's). */
export async function reached(herald: Harness, tenant: SendingTenant, contactId: string): Promise<string> {
  const scheduled = await schedule(herald, tenant, contactId);
  expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(201);
  return (await waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.providerMessageId !== null)).providerMessageId;
}

/** Meta's `user_preferences` webhook: the user stopped or resumed marketing messages from the business. */
export async function userPreference(herald: Harness, waId: string, value: 'stop' | 'resume', options: { phoneNumberId?: string; at?: Date } = {}) {
  const digits = waId.replace(/^\+/, '');
  const envelope = {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: WABA,
        changes: [
          {
            field: 'user_preferences',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: options.phoneNumberId ?? herald.config.whatsapp.phoneNumberId },
              contacts: [{ wa_id: digits, profile: { name: 'A user' } }],
              user_preferences: [
                {
                  wa_id: digits,
                  detail: value === 'stop' ? 'User requested to stop marketing messages' : 'User requested to resume marketing messages',
                  category: 'marketing_messages',
                  value,
                  timestamp: Number(seconds(options.at ?? new Date())),
                },
              ],
            },
          },
        ],
      },
    ],
  };
  const response = await postWebhook(herald, envelope);
  expect(response.status).toBe(200);
}

/** `GET /contacts/{id}`: the contact with its consent history. */
export async function contactOf(herald: Harness, token: string, id: string) {
  const response = await rest(herald, 'GET', `/contacts/${id}`, undefined, bearer(token));
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

/** Polls the contact until `accept` holds: webhooks are answered before nothing, but tests read right after. */
export function waitForContact(herald: Harness, token: string, id: string, accept: (contact: any) => boolean, timeoutMs = 10_000): Promise<any> {
  return eventually(() => contactOf(herald, token, id), accept, { timeoutMs, intervalMs: 100, what: `contact ${id}` });
}

export const phoneOf = async (herald: Harness, token: string, id: string) => (await contactOf(herald, token, id)).phone as string;

/** An APPROVED MARKETING template of the tenant. */
export async function marketingTemplate(herald: Harness, tenant: SendingTenant): Promise<string> {
  const response = await rest(
    herald,
    'POST',
    '/templates',
    { name: 'spring_sale', content: 'Hi {{1}}, 20% off this week', variables: ['name'], category: 'MARKETING', metaTemplateId: 'meta_sale', status: 'APPROVED' },
    bearer(tenant.token),
  );
  expect(response.status).toBe(201);
  return response.body.id;
}

export const consentChange = (herald: Harness, token: string, id: string, action: 'opt-out' | 'opt-in', scope: 'ALL' | 'MARKETING') =>
  rest(herald, 'POST', `/contacts/${id}/${action}`, { scope }, bearer(token));

export interface ConsentScene {
  herald: Harness;
  tenant: SendingTenant;
  marketingId: string;
}

/** For one describe block: Herald with its worker, a tenant holding 5.00 and an APPROVED MARKETING template; filled in before the tests run. */
export function consentScene(): ConsentScene {
  const scene = {} as ConsentScene;
  beforeAll(async () => {
    scene.herald = await startHarness({ worker: true });
    scene.tenant = await sendingTenant(scene.herald, '5.00');
    scene.marketingId = await marketingTemplate(scene.herald, scene.tenant);
  });
  afterAll(() => scene.herald?.close());
  return scene;
}
