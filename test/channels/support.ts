// A tenant's own WhatsApp number: known to the stand-in for Meta (with its own token), registered in Herald.
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { bearer, type TenantAdmin } from '../support/actors.ts';
import { rest, type Harness } from '../support/harness.ts';

let numberSeq = Math.floor(Math.random() * 1_000_000);

export interface RegisteredChannel {
  id: string;
  phoneNumberId: string;
  accessToken: string;
  body: any;
}

/** A fresh WABA id (a business of its own on the stand-in for Meta). */
export const freshWabaId = () => `7${String(Date.now()).slice(-8)}${String(numberSeq++).padStart(6, '0')}`;

/**
 * A fresh phone number id and token, made known to the stand-in for Meta in that WABA (as Meta knows a business's
 * number); the same token may be given for several numbers, as a business's system-user token reaches them all.
 */
export function metaNumber(herald: Harness, wabaId = '310000000000001', accessToken = `EAAG${randomBytes(24).toString('base64url')}`) {
  const phoneNumberId = `2${String(Date.now()).slice(-8)}${String(numberSeq++).padStart(6, '0')}`;
  herald.sandbox.addNumber({ phoneNumberId, accessToken, wabaId, displayPhoneNumber: '+1 555 010 2000' });
  return { phoneNumberId, accessToken };
}

export async function registerChannel(herald: Harness, tenant: TenantAdmin, extra: Record<string, unknown> = {}): Promise<RegisteredChannel> {
  const number = metaNumber(herald);
  const response = await rest(
    herald,
    'POST',
    '/channels',
    { name: 'Support line', wabaId: '310000000000001', ...number, ...extra },
    bearer(tenant.token),
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return { id: response.body.id, ...number, body: response.body };
}

let templateSeq = Math.floor(Math.random() * 1_000_000);

/**
 * The tenant sending a template made for `channel`: a template goes out only from the WABA it was made under. In
 * cloud mode Herald looks the template up on Meta, so the stand-in holds it under the channel's WABA first.
 */
export async function onChannel<T extends { token: string; templateId: string }>(
  herald: Harness,
  tenant: T,
  channel: { id: string; wabaId?: string },
): Promise<T> {
  const name = `welcome_${templateSeq++}`;
  if (herald.config.whatsappMode === 'cloud') herald.sandbox.templates.add(channel.wabaId!, { name, category: 'UTILITY', status: 'APPROVED' });
  const template = await rest(
    herald,
    'POST',
    '/templates',
    { name, content: 'Hello {{1}}, welcome!', variables: ['name'], status: 'APPROVED', channelId: channel.id },
    bearer(tenant.token),
  );
  expect(template.status, JSON.stringify(template.body)).toBe(201);
  return { ...tenant, templateId: template.body.id as string };
}
