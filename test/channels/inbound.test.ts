import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTenantUser, registerTenant, type TenantAdmin } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { eventually } from '../support/eventually.ts';
import { postWebhook } from '../messages/support.ts';
import { registerChannel } from './support.ts';

let phoneSeq = Math.floor(Math.random() * 100_000);
const newPhone = () => `+4477${String(phoneSeq++).padStart(8, '0')}`;
const newMetaId = () => `wamid.${randomBytes(24).toString('base64url')}`;
/** Meta's seconds since the epoch, a minute ago: receivedAt is Meta's time, not Herald's. */
const metaTime = () => Math.floor(Date.now() / 1000) - 60;

interface Written {
  id: string;
  from: string;
  type?: string;
  text?: string;
  timestamp?: number;
  raw?: Record<string, unknown>;
}

/** Meta's `messages` webhook: users writing to one business number. */
function inboundWebhook(phoneNumberId: string, messages: Written[]) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '310000000000001',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550102000', phone_number_id: phoneNumberId },
              contacts: messages.map((message) => ({ profile: { name: 'Writer' }, wa_id: message.from.replace('+', '') })),
              messages: messages.map(
                (message) =>
                  message.raw ?? {
                    from: message.from.replace('+', ''),
                    id: message.id,
                    timestamp: String(message.timestamp ?? metaTime()),
                    type: message.type ?? 'text',
                    ...((message.type ?? 'text') === 'text' ? { text: { body: message.text ?? 'Hello' } } : { image: { id: '1', mime_type: 'image/jpeg' } }),
                  },
              ),
            },
          },
        ],
      },
    ],
  };
}

async function contactOf(herald: Harness, tenant: TenantAdmin, phone: string): Promise<string> {
  const imported = await rest(herald, 'POST', '/contacts/import', { contacts: [{ phone, name: 'Writer' }] }, bearer(tenant.token));
  expect(imported.body.imported).toBe(1);
  return (await rest(herald, 'GET', `/contacts?search=${phone.slice(1)}`, undefined, bearer(tenant.token))).body.items[0].id;
}

const inbox = async (herald: Harness, tenant: TenantAdmin, query = '') =>
  rest(herald, 'GET', `/inbound-messages${query}`, undefined, bearer(tenant.token));

const storedCopies = async (herald: Harness, metaMessageId: string) =>
  Number(
    (await herald.orm.em.fork().execute<{ n: string }[]>('select count(*) as n from inbound_message where meta_message_id = ?', [metaMessageId]))[0]!.n,
  );

describe('inbound messages: what contacts write back', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness();
  });
  afterAll(() => herald?.close());

  it("stores a message once however often Meta delivers it, matched to the tenant's contact", async () => {
    const tenant = await registerTenant(herald);
    const channel = await registerChannel(herald, tenant);
    const phone = newPhone();
    const contactId = await contactOf(herald, tenant, phone);
    const id = newMetaId();
    const timestamp = metaTime();
    const webhook = inboundWebhook(channel.phoneNumberId, [{ id, from: phone, text: 'Yes, see you at 10', timestamp }]);
    for (let delivery = 0; delivery < 3; delivery++) expect((await postWebhook(herald, webhook)).status).toBe(200);

    const listed = await inbox(herald, tenant);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      items: [
        {
          id: expect.any(String),
          channelId: channel.id,
          contactId,
          from: phone.slice(1),
          type: 'text',
          text: 'Yes, see you at 10',
          receivedAt: new Date(timestamp * 1000).toISOString(),
        },
      ],
      nextCursor: null,
    });
    expect(await storedCopies(herald, id)).toBe(1);
  });

  it("routes by the number written to: a channel's number reaches its tenant only; the platform number, when no tenant's message reached the writer, nobody", async () => {
    const first = await registerTenant(herald);
    const second = await registerTenant(herald);
    const stranger = await registerTenant(herald);
    const firstChannel = await registerChannel(herald, first);
    await registerChannel(herald, second);
    const phone = newPhone();
    const firstContact = await contactOf(herald, first, phone);
    await contactOf(herald, second, phone);

    const toFirst = newMetaId();
    expect((await postWebhook(herald, inboundWebhook(firstChannel.phoneNumberId, [{ id: toFirst, from: phone, text: 'to the first' }]))).status).toBe(200);
    const toPlatform = newMetaId();
    const platform = inboundWebhook(herald.config.whatsapp.phoneNumberId, [{ id: toPlatform, from: phone, text: 'to the platform' }]);
    expect((await postWebhook(herald, platform)).status).toBe(200);
    expect((await postWebhook(herald, platform)).status).toBe(200);

    // Both tenants know the writer, but neither has sent them anything: a reply to the platform number is no one's.
    const firstItems = (await inbox(herald, first)).body.items;
    expect(firstItems.map((item: any) => [item.text, item.channelId, item.contactId])).toEqual([['to the first', firstChannel.id, firstContact]]);
    expect((await inbox(herald, second)).body.items).toEqual([]);
    expect((await inbox(herald, stranger)).body.items).toEqual([]);
    expect(await storedCopies(herald, toPlatform)).toBe(0);
  });

  it('keeps a writer who is no contact (contactId null), a non-text message with text null, and skips a malformed item while applying the rest', async () => {
    const tenant = await registerTenant(herald);
    const channel = await registerChannel(herald, tenant);
    const stranger = newPhone();
    const [textId, imageId] = [newMetaId(), newMetaId()];
    const webhook = inboundWebhook(channel.phoneNumberId, [
      { id: textId, from: stranger, text: 'Who is this?' },
      { id: 'broken', from: stranger, raw: { from: 'not-a-number', id: 7, type: 'text' } },
      { id: imageId, from: stranger, type: 'image' },
    ]);
    const answer = await postWebhook(herald, webhook);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ received: 2 });
    const items = (await inbox(herald, tenant)).body.items;
    expect(items.map((item: any) => [item.type, item.text, item.contactId])).toEqual([
      ['text', 'Who is this?', null],
      ['image', null, null],
    ]);
  });

  it('answers 200 for a number no channel has and stores nothing', async () => {
    const id = newMetaId();
    const answer = await postWebhook(herald, inboundWebhook('29999999999999', [{ id, from: newPhone(), text: 'anyone?' }]));
    expect(answer.status).toBe(200);
    expect(await storedCopies(herald, id)).toBe(0);
  });

  it("lists page by page, filtered by contact or channel; another tenant's ids and lists find nothing", async () => {
    const tenant = await registerTenant(herald);
    const other = await registerTenant(herald);
    const [one, two] = [await registerChannel(herald, tenant), await registerChannel(herald, tenant)];
    const [alice, bob] = [newPhone(), newPhone()];
    const aliceId = await contactOf(herald, tenant, alice);
    await contactOf(herald, tenant, bob);
    for (const [channel, from, text] of [
      [one, alice, 'a1'],
      [two, bob, 'b1'],
      [one, alice, 'a2'],
      [two, alice, 'a3'],
      [one, bob, 'b2'],
    ] as const) {
      expect((await postWebhook(herald, inboundWebhook(channel.phoneNumberId, [{ id: newMetaId(), from, text }]))).status).toBe(200);
    }

    const texts: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await inbox(herald, tenant, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      texts.push(...page.body.items.map((item: any) => item.text));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(texts).toEqual(['a1', 'b1', 'a2', 'a3', 'b2']);

    const byAlice = (await inbox(herald, tenant, `?contactId=${aliceId}`)).body.items.map((item: any) => item.text);
    expect(byAlice).toEqual(['a1', 'a2', 'a3']);
    const onTwo = (await inbox(herald, tenant, `?channelId=${two.id}`)).body.items.map((item: any) => item.text);
    expect(onTwo).toEqual(['b1', 'a3']);
    const both = (await inbox(herald, tenant, `?channelId=${one.id}&contactId=${aliceId}`)).body.items.map((item: any) => item.text);
    expect(both).toEqual(['a1', 'a2']);

    expect((await inbox(herald, other)).body.items).toEqual([]);
    expect((await inbox(herald, other, `?contactId=${aliceId}`)).body.items).toEqual([]);
    expect((await inbox(herald, other, `?channelId=${one.id}`)).body.items).toEqual([]);

    const operator = await createTenantUser(herald, tenant, 'SUB_ADMIN');
    expect((await rest(herald, 'GET', '/inbound-messages?limit=1', undefined, bearer(operator.token))).body.items).toHaveLength(1);
    for (const query of ['?contactId=nope', '?limit=0', '?cursor=garbage', '?since=yesterday']) {
      const bad = await inbox(herald, tenant, query);
      expect(bad.status, query).toBe(400);
      expect(bad.body.code).toBe('BAD_REQUEST');
    }
  });

  it('POST /sandbox/inbound makes a contact write back through Meta\'s signed webhook; only the channel\'s own ADMIN may', async () => {
    const tenant = await registerTenant(herald);
    const stranger = await registerTenant(herald);
    const channel = await registerChannel(herald, tenant);
    const phone = newPhone();
    const contactId = await contactOf(herald, tenant, phone);

    const simulated = await rest(herald, 'POST', '/sandbox/inbound', { channelId: channel.id, from: phone, text: 'STOP? no, just thanks' }, bearer(tenant.token));
    expect(simulated.status, JSON.stringify(simulated.body)).toBe(200);
    expect(simulated.body).toEqual({ id: expect.stringMatching(/^wamid\./), phoneNumberId: channel.phoneNumberId });
    const items = await eventually(async () => (await inbox(herald, tenant)).body.items as any[], (listed) => listed.length > 0, {
      timeoutMs: 5_000,
      intervalMs: 100,
      what: 'the reply in the inbox',
    });
    expect(items).toMatchObject([{ channelId: channel.id, contactId, from: phone.slice(1), type: 'text', text: 'STOP? no, just thanks' }]);
    expect(await storedCopies(herald, simulated.body.id)).toBe(1);

    // Without a channel the contact answers the tenant's latest message on the platform number: here there is none.
    const toPlatform = await rest(herald, 'POST', '/sandbox/inbound', { from: phone, text: 'platform' }, bearer(tenant.token));
    expect(toPlatform.status).toBe(422);
    expect(toPlatform.body).toMatchObject({ code: 'UNPROCESSABLE_CONTENT', data: { reason: 'NOTHING_TO_REPLY_TO' } });

    const theirs = await rest(herald, 'POST', '/sandbox/inbound', { channelId: channel.id, from: phone, text: 'x' }, bearer(stranger.token));
    expect(theirs.status).toBe(404);
    const operator = await createTenantUser(herald, tenant, 'SUB_ADMIN');
    expect((await rest(herald, 'POST', '/sandbox/inbound', { channelId: channel.id, from: phone, text: 'x' }, bearer(operator.token))).status).toBe(403);
    const bad = await rest(herald, 'POST', '/sandbox/inbound', { channelId: channel.id, from: 'call me', text: 'x' }, bearer(tenant.token));
    expect(bad.status).toBe(400);
    expect(bad.body.data.issues[0].path).toBe('from');
  });
});
