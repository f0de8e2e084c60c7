// The platform number is shared by every tenant, and two tenants may know the same person. A reply to it belongs to
// one tenant — the one whose message it quotes, else the one whose message reached the phone last — and only that
// tenant reads it, has its contact's consent changed by it, gets its service window, and sees an escalation resolved.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboundEnvelope } from '../../server/modules/whatsapp/sandbox-format.ts';
import { bearer } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { sleep } from '../support/eventually.ts';
import { postWebhook, schedule, sendingTenant, SILENT_SANDBOX, waitForMessage, type SendingTenant } from '../messages/support.ts';
import { contactOf, waitForContact } from '../consent/support.ts';
import { createPolicy, waitForEscalation } from '../escalations/support.ts';

let phoneSeq = Math.floor(Math.random() * 10_000);
/** A UK mobile no other test file uses (…4242: the stand-in delivers to it), so only this file's tenants reach it. */
const newPhone = () => `+4479${String(phoneSeq++ % 10_000).padStart(4, '0')}4242`;

describe('replies to the platform number belong to one tenant', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ worker: true, sandboxDelays: SILENT_SANDBOX });
  });
  afterAll(() => herald?.close());

  async function contactFor(tenant: SendingTenant, phone: string): Promise<string> {
    const imported = await rest(herald, 'POST', '/contacts/import', { contacts: [{ phone, name: 'Customer' }] }, bearer(tenant.token));
    expect(imported.body.imported).toBe(1);
    return (await rest(herald, 'GET', `/contacts?search=${phone.slice(1)}`, undefined, bearer(tenant.token))).body.items[0].id;
  }

  /** Two tenants that both imported the same customer's phone. */
  async function twoTenantsKnowingOnePhone() {
    const [a, b] = [await sendingTenant(herald), await sendingTenant(herald)];
    const phone = newPhone();
    return { a, b, phone, aContact: await contactFor(a, phone), bContact: await contactFor(b, phone) };
  }

  /** The tenant's message from the platform number, once Meta has accepted it. */
  async function sent(tenant: SendingTenant, contactId: string, extra: Record<string, unknown> = {}) {
    const scheduled = await schedule(herald, tenant, contactId, extra);
    expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(201);
    return waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.providerMessageId !== null);
  }

  /** The customer writes to the platform number through Meta's signed webhook, quoting a message or not. */
  async function reply(phone: string, text: string, quoting?: string) {
    const identity = { wabaId: '102290129340398', phoneNumberId: herald.config.whatsapp.phoneNumberId, displayPhoneNumber: '15550783881' };
    const envelope = inboundEnvelope(identity, { id: `wamid.reply-${randomUUID()}`, from: phone.slice(1), text, quotedWamid: quoting });
    expect((await postWebhook(herald, envelope)).status).toBe(200);
    return envelope;
  }

  const inbox = async (tenant: SendingTenant) =>
    (await rest(herald, 'GET', '/inbound-messages?limit=100', undefined, bearer(tenant.token))).body.items.map((item: any) => [
      item.text,
      item.contactId,
      item.channelId,
    ]);

  const simulate = (tenant: SendingTenant, phone: string, text: string) => rest(herald, 'POST', '/sandbox/inbound', { from: phone, text }, bearer(tenant.token));

  it("goes to the tenant whose message reached the phone; another tenant that imported the phone reads nothing, even after writing later", async () => {
    const { a, b, phone, aContact, bContact } = await twoTenantsKnowingOnePhone();
    await sent(a, aContact);

    const written = await reply(phone, 'My card ends 4242');
    expect(await inbox(a)).toEqual([['My card ends 4242', aContact, null]]);
    expect(await inbox(b)).toEqual([]);

    // B writes to the phone afterwards (past the second Meta stamped the reply with); Meta then delivers the same
    // reply again: it was, and stays, A's alone.
    const stamped = Number(written.entry[0]!.changes[0]!.value.messages[0]!.timestamp) * 1000;
    await sleep(Math.max(0, stamped + 1000 - Date.now()));
    await sent(b, bContact);
    expect((await postWebhook(herald, written)).status).toBe(200);
    expect(await inbox(a)).toEqual([['My card ends 4242', aContact, null]]);
    expect(await inbox(b)).toEqual([]);
  });

  it('a quoted reply goes to the tenant of the message it quotes, even after another tenant wrote later; an unquoted one to the later', async () => {
    const { a, b, phone, aContact, bContact } = await twoTenantsKnowingOnePhone();
    const toA = await sent(a, aContact);
    const toB = await sent(b, bContact);

    await reply(phone, 'answering A', toA.providerMessageId);
    await reply(phone, 'answering B', toB.providerMessageId);
    await reply(phone, 'answering whoever wrote last');
    expect(await inbox(a)).toEqual([['answering A', aContact, null]]);
    expect(await inbox(b)).toEqual([
      ['answering B', bContact, null],
      ['answering whoever wrote last', bContact, null],
    ]);
  });

  it("a sandbox STOP changes only the caller's contact, and only as a reply to the caller's own message", async () => {
    const { a, b, phone, aContact, bContact } = await twoTenantsKnowingOnePhone();
    await sent(a, aContact);

    // B never wrote to this phone: its simulated STOP would be a reply to A's message, so it is refused.
    const hijack = await simulate(b, phone, 'STOP');
    expect(hijack.status).toBe(422);
    expect(hijack.body).toMatchObject({ code: 'UNPROCESSABLE_CONTENT', data: { reason: 'NOTHING_TO_REPLY_TO' } });
    expect((await contactOf(herald, a.token, aContact)).optOut).toBe('NONE');
    expect(await inbox(b)).toEqual([]);

    expect((await simulate(a, phone, 'STOP')).status).toBe(200);
    expect((await waitForContact(herald, a.token, aContact, (contact) => contact.optOut === 'ALL')).optOut).toBe('ALL');
    expect((await contactOf(herald, b.token, bContact)).optOut).toBe('NONE');
    expect((await simulate(a, phone, 'START')).status).toBe(200);
    expect((await waitForContact(herald, a.token, aContact, (contact) => contact.optOut === 'NONE')).optOut).toBe('NONE');

    // Once B's own message reached the phone, B's simulated STOP is a reply to it: B's contact only.
    await sent(b, bContact);
    expect((await simulate(b, phone, 'STOP')).status).toBe(200);
    expect((await waitForContact(herald, b.token, bContact, (contact) => contact.optOut === 'ALL')).optOut).toBe('ALL');
    expect((await contactOf(herald, a.token, aContact)).optOut).toBe('NONE');
    expect((await inbox(a)).map(([text]: string[]) => text)).toEqual(['STOP', 'START']);
  });

  it("opens the 24-hour service window for the reply's tenant only: its UTILITY message is free, the other tenant's is charged", async () => {
    const { a, b, phone, aContact, bContact } = await twoTenantsKnowingOnePhone();
    await sent(a, aContact);
    await reply(phone, 'hi');

    expect(await sent(a, aContact)).toMatchObject({ cost: '0.0000', priceReason: 'FREE_SERVICE_WINDOW', chargeState: 'NONE' });
    expect(await sent(b, bContact)).toMatchObject({ cost: '0.0200', priceReason: null, chargeState: 'CHARGED' });
  });

  it("resolves by REPLIED only the escalation of the tenant whose message the reply answers", async () => {
    const { a, b, phone, aContact, bContact } = await twoTenantsKnowingOnePhone();
    const aPolicy = await createPolicy(herald, a, [{ after: 'PT10M', unless: 'REPLIED', notify: { contactId: await a.contact(), templateId: a.templateId } }]);
    const bPolicy = await createPolicy(herald, b, [{ after: 'PT15S', unless: 'REPLIED', notify: { contactId: await b.contact(), templateId: b.templateId } }]);
    const aRoot = await sent(a, aContact, { escalationPolicyId: aPolicy });
    const bRoot = await sent(b, bContact, { escalationPolicyId: bPolicy });

    await reply(phone, 'Got it, thanks', aRoot.providerMessageId);
    const resolved = await waitForEscalation(herald, a, aRoot.id, (escalation) => escalation.state !== 'PENDING');
    expect(resolved.escalation).toMatchObject({ state: 'RESOLVED', resolvedBy: 'REPLIED' });
    // B's root was not answered: its level falls due and goes out.
    const fired = await waitForEscalation(herald, b, bRoot.id, (escalation) => escalation.state !== 'PENDING', 60_000);
    expect(fired.escalation).toMatchObject({ state: 'EXHAUSTED', resolvedBy: null, levels: [{ level: 1, state: 'SENT' }] });
  });
});
