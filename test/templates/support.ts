// Templates as Meta sees them: a tenant with credits and a channel in a WABA of its own, known to the stand-in for Meta.
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { templateEnvelope } from '../../server/modules/whatsapp/sandbox-format.ts';
import { bearer } from '../support/actors.ts';
import { rest, type Harness } from '../support/harness.ts';
import { eventually } from '../support/eventually.ts';
import { postWebhook, sendingTenant, type SendingTenant } from '../messages/support.ts';

let seq = Math.floor(Math.random() * 1_000_000);

export interface WabaTenant extends SendingTenant {
  wabaId: string;
  channelId: string;
}

/** A fresh WABA id, so webhooks and syncs of one test never touch another's templates. */
export const newWabaId = () => `4${String(Date.now()).slice(-8)}${String(seq++).padStart(6, '0')}`;

/** A tenant with credits whose default channel is a number in a WABA of its own, on the stand-in and in Herald. */
export async function wabaTenant(herald: Harness, credits = '10.00'): Promise<WabaTenant> {
  const tenant = await sendingTenant(herald, credits);
  const wabaId = newWabaId();
  const phoneNumberId = `3${String(Date.now()).slice(-8)}${String(seq++).padStart(6, '0')}`;
  const accessToken = `EAAG${randomBytes(24).toString('base64url')}`;
  herald.sandbox.addNumber({ phoneNumberId, accessToken, wabaId });
  const channel = await rest(herald, 'POST', '/channels', { name: 'Main line', wabaId, phoneNumberId, accessToken }, bearer(tenant.token));
  expect(channel.status, JSON.stringify(channel.body)).toBe(201);
  return { ...tenant, wabaId, channelId: channel.body.id };
}

export const createTemplate = (herald: Harness, tenant: { token: string }, body: Record<string, unknown>) =>
  rest(herald, 'POST', '/templates', { content: 'Hello {{1}}, your order shipped', variables: ['name'], ...body }, bearer(tenant.token));

/** The template as `GET /templates` shows it. */
export async function templateOf(herald: Harness, token: string, id: string) {
  const listed = await rest(herald, 'GET', '/templates?limit=100', undefined, bearer(token));
  return listed.body.items.find((template: { id: string }) => template.id === id);
}

/** Polls `GET /templates` until `accept` holds for the template, returning it; fails with the last answer when the time is up. */
export function waitForTemplate(herald: Harness, token: string, id: string, accept: (template: any) => boolean, timeoutMs = 15_000): Promise<any> {
  return eventually(() => templateOf(herald, token, id), accept, { timeoutMs, intervalMs: 150, what: `template ${id}` });
}

/** A template webhook as Meta posts it, signed, naming `wabaId` in entry.id. */
export async function postTemplateWebhook(herald: Harness, wabaId: string, field: string, value: Record<string, unknown>) {
  const response = await postWebhook(herald, templateEnvelope(wabaId, [{ field, value }]));
  expect(response.status).toBe(200);
  return response.json();
}
