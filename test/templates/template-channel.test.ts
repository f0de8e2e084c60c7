// Meta finds a template by name under the sending number's WABA while Herald prices it by the template it stored, so
// a template goes out only from the WABA it was made under: its own channel, another channel of the same WABA, or —
// for a template made for the platform number — the platform number. Anything else is 422 TEMPLATE_NOT_ON_CHANNEL,
// for a single message, a campaign and an escalation level alike.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { sendingTenant, type SendingTenant } from '../messages/support.ts';
import { createCampaign } from '../campaigns/support.ts';
import { createPolicy } from '../escalations/support.ts';
import { createTemplate, newWabaId } from './support.ts';

let seq = Math.floor(Math.random() * 1_000_000);
const later = () => new Date(Date.now() + 3600_000).toISOString();

describe('a template goes out only from the WABA it was made under', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness();
  });
  afterAll(() => herald?.close());

  /** A number of `wabaId`, known to the stand-in for Meta and registered as the tenant's channel. */
  async function channelIn(tenant: SendingTenant, wabaId: string, extra: Record<string, unknown> = {}): Promise<string> {
    const phoneNumberId = `7${String(Date.now()).slice(-8)}${String(seq++).padStart(6, '0')}`;
    const accessToken = `EAAG${randomBytes(24).toString('base64url')}`;
    herald.sandbox.addNumber({ phoneNumberId, accessToken, wabaId });
    const created = await rest(herald, 'POST', '/channels', { name: `Line ${seq}`, wabaId, phoneNumberId, accessToken, ...extra }, bearer(tenant.token));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.id;
  }

  async function templateFor(tenant: SendingTenant, channelId: string): Promise<string> {
    const created = await createTemplate(herald, tenant, { name: `order_shipped_${seq++}`, status: 'APPROVED', category: 'UTILITY', channelId });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.channelId).toBe(channelId);
    return created.body.id;
  }

  /**
   * A tenant whose platform-number template (made before it had a channel) sits beside a template of channel A; A and
   * A2 share a WABA, B is in another. No channel is the default, so a message without channelId leaves from the platform number.
   */
  async function scene() {
    const tenant = await sendingTenant(herald, '10.00');
    const [home, other] = [newWabaId(), newWabaId()];
    const a = await channelIn(tenant, home, { isDefault: false });
    const a2 = await channelIn(tenant, home, { isDefault: false });
    const b = await channelIn(tenant, other, { isDefault: false });
    const contactId = await tenant.contact('4242', 'Ada');
    return { tenant, a, a2, b, contactId, onA: await templateFor(tenant, a), onB: await templateFor(tenant, b), onPlatform: tenant.templateId };
  }

  const scheduleOn = (tenant: SendingTenant, templateId: string, contactId: string, extra: Record<string, unknown> = {}) =>
    rest(
      herald,
      'POST',
      '/messages/schedule',
      { templateId, contactId, scheduleTime: later(), idempotencyKey: crypto.randomUUID(), ...extra },
      bearer(tenant.token),
    );

  const expectRefused = (answer: { status: number; body: any }) => {
    expect(answer.status, JSON.stringify(answer.body)).toBe(422);
    expect(answer.body).toMatchObject({ code: 'UNPROCESSABLE_CONTENT', data: { reason: 'TEMPLATE_NOT_ON_CHANNEL' } });
  };

  it("POST /messages/schedule: a channel's template on its channel or its WABA's other channel is 201; on another WABA's channel or the platform number, 422", async () => {
    const { tenant, a, a2, b, contactId, onA, onPlatform } = await scene();
    expect((await scheduleOn(tenant, onA, contactId, { channelId: a })).status).toBe(201);
    expect((await scheduleOn(tenant, onA, contactId, { channelId: a2 })).status).toBe(201);
    expectRefused(await scheduleOn(tenant, onA, contactId, { channelId: b }));
    expectRefused(await scheduleOn(tenant, onA, contactId));

    // The platform number's template goes out from the platform number only.
    expect((await scheduleOn(tenant, onPlatform, contactId)).status).toBe(201);
    expectRefused(await scheduleOn(tenant, onPlatform, contactId, { channelId: a }));
  });

  it('POST /campaigns: the same rule for the campaign template and the campaign channel', async () => {
    const { tenant, a, a2, b, contactId, onA, onPlatform } = await scene();
    const campaign = (templateId: string, extra: Record<string, unknown> = {}) =>
      createCampaign(herald, { token: tenant.token, templateId }, { scheduleTime: later(), audience: { contactIds: [contactId] }, ...extra });
    expect((await campaign(onA, { channelId: a })).status).toBe(201);
    expect((await campaign(onA, { channelId: a2 })).status).toBe(201);
    expectRefused(await campaign(onA, { channelId: b }));
    expectRefused(await campaign(onA));
    expectRefused(await campaign(onPlatform, { channelId: a }));
  });

  it("an escalation level's template must be the WABA's of the root's channel: checked when the root is scheduled", async () => {
    const { tenant, a, b, contactId, onA, onB } = await scene();
    const nurse = await tenant.contact('4242', 'Nurse');
    const policyId = await createPolicy(herald, tenant, [{ after: 'PT10M', unless: 'READ', notify: { contactId: nurse, templateId: onB } }]);

    expectRefused(await scheduleOn(tenant, onA, contactId, { channelId: a, escalationPolicyId: policyId }));
    expect((await scheduleOn(tenant, onB, contactId, { channelId: b, escalationPolicyId: policyId })).status).toBe(201);
    const campaign = await createCampaign(herald, { token: tenant.token, templateId: onA }, {
      scheduleTime: later(),
      channelId: a,
      escalationPolicyId: policyId,
      audience: { contactIds: [contactId] },
    });
    expectRefused(campaign);
  });
});
