// A tenant with many contacts, and campaigns over them through the REST API.
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { bearer } from '../support/actors.ts';
import { rest, type Harness } from '../support/harness.ts';
import { eventually } from '../support/eventually.ts';
import { schedule, sendingTenant, waitForMessage, type SendingTenant } from '../messages/support.ts';

let block = Math.floor(Math.random() * 900) + 100;

export interface ContactSpec {
  /** The last four digits choose the sandbox's outcome (…0000 failed webhook, others delivered and read). */
  suffix?: string;
  name?: string;
  attributes?: Record<string, string>;
}

/** Imports the contacts in one request; returns their ids and phones in the order given. */
export async function importContacts(herald: Harness, tenant: SendingTenant, specs: ContactSpec[]) {
  const prefix = `+1555${String(block++ % 1000).padStart(3, '0')}`;
  const contacts = specs.map((spec, index) => ({
    phone: `${prefix}${spec.suffix ?? String(4000 + index).padStart(4, '0')}`,
    name: spec.name ?? `Contact ${index}`,
    ...(spec.attributes ? { attributes: spec.attributes } : {}),
  }));
  const imported = await rest(herald, 'POST', '/contacts/import', { contacts }, bearer(tenant.token));
  expect(imported.body.imported, JSON.stringify(imported.body)).toBe(specs.length);
  const rows = await herald.orm.em.fork().getConnection().execute<{ id: string; phone: string }[]>(
    'select id, phone from contact where tenant_id = ? and phone like ?',
    [tenant.tenantId, `${prefix}%`],
  );
  const byPhone = new Map(rows.map((row) => [row.phone, row.id]));
  return contacts.map((contact) => ({ id: byPhone.get(contact.phone)!, phone: contact.phone }));
}

/** Opted out in the database directly, in bulk (the opt-out routes themselves are tested in test/consent). */
export async function optOut(herald: Harness, contactIds: string[]) {
  await herald.orm.em.fork().getConnection().execute('update contact set opted_out = true where id = any(?::uuid[])', [`{${contactIds.join(',')}}`]);
}

export function createCampaign(herald: Harness, tenant: { token: string; templateId: string }, body: Record<string, unknown>) {
  return rest(
    herald,
    'POST',
    '/campaigns',
    { name: 'Spring sale', templateId: tenant.templateId, scheduleTime: new Date().toISOString(), idempotencyKey: randomUUID(), ...body },
    bearer(tenant.token),
  );
}

/** Polls `GET /campaigns/{id}` until `accept` holds, returning that answer; fails with the last one when the time is up. */
export function waitForCampaign(herald: Harness, token: string, id: string, accept: (campaign: any) => boolean, timeoutMs = 60_000): Promise<any> {
  const read = async () => (await rest(herald, 'GET', `/campaigns/${id}`, undefined, bearer(token))).body;
  return eventually(read, accept, { timeoutMs, intervalMs: 250, what: `campaign ${id}` });
}

/** How many of the campaign's due messages wait at its gate: a paused campaign holds each until it is resumed. */
export async function heldAtGate(herald: Harness, campaignId: string): Promise<number> {
  const [row] = await herald.orm.em.fork().getConnection().execute<{ n: number }[]>('select count(*)::int as n from campaign_hold where campaign_id = ?', [campaignId]);
  return row!.n;
}

/** How many workflows of the campaign Temporal lists (its own and its messages'), by the CampaignId attribute. */
export async function campaignWorkflowCount(herald: Harness, campaignId: string, extra = '') {
  return (await herald.temporal.workflow.count(`CampaignId = '${campaignId}'${extra}`)).count;
}

/**
 * A tenant of its own schedules one message due now (from the platform number); resolves once it is SENT, or
 * with what it is after `withinMs` from the request.
 */
export async function singleMessageDueNow(herald: Harness, withinMs: number) {
  const tenant = await sendingTenant(herald, '1.00');
  const contactId = await tenant.contact('4242', 'Bea');
  const asked = Date.now();
  const scheduled = await schedule(herald, tenant, contactId);
  expect(scheduled.status).toBe(201);
  const message = await waitForMessage(herald, tenant.token, scheduled.body.id, (m) => m.status === 'SENT', withinMs - (Date.now() - asked));
  return { status: message.status as string, elapsedMs: Date.now() - asked };
}
