// Sandbox mode as `npm start` runs it (the simulator mounted in the API): the caller's status stands, and a
// submitted template is approved by the simulator after a delay, through the same signed webhook Meta sends.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { sleep } from '../support/eventually.ts';
import { schedule, sendingTenant, waitForMessage } from '../messages/support.ts';
import { createTemplate, newWabaId, templateOf, waitForTemplate } from './support.ts';

describe('templates in sandbox mode', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ mounted: true, worker: true, env: { SANDBOX_TEMPLATE_APPROVAL_DELAY: '2s' } });
  });
  afterAll(() => herald?.close());

  it('approves a submitted template after the delay, by webhook; then it sends', async () => {
    const tenant = await sendingTenant(herald);
    const submitted = await createTemplate(herald, tenant, { name: 'delivery_update', submit: true });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
    expect(submitted.body).toMatchObject({ status: 'PENDING', channelId: null, metaTemplateId: expect.stringMatching(/^\d+$/) });
    await sleep(1_000);
    expect(await templateOf(herald, tenant.token, submitted.body.id)).toMatchObject({ status: 'PENDING' });

    const approved = await waitForTemplate(herald, tenant.token, submitted.body.id, (template) => template.status === 'APPROVED', 10_000);
    expect(approved).toMatchObject({ status: 'APPROVED', rejectedReason: null });
    const scheduled = await schedule(herald, tenant, await tenant.contact(), { templateId: submitted.body.id });
    expect(scheduled.status).toBe(201);
    expect(await waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.status === 'READ')).toMatchObject({ chargeState: 'CHARGED' });
  });

  it("keeps the caller's status without submit, channel or not; a channel's submission goes under its WABA with its token", async () => {
    const tenant = await sendingTenant(herald);
    const pending = await createTemplate(herald, tenant, { name: 'caller_pending', status: 'PENDING', metaTemplateId: 'meta_1' });
    expect(pending.body).toMatchObject({ status: 'PENDING', metaTemplateId: 'meta_1', quality: 'UNKNOWN' });

    const wabaId = newWabaId();
    const channel = await rest(
      herald,
      'POST',
      '/channels',
      { name: 'Shop', wabaId, phoneNumberId: `5${Date.now()}`.slice(0, 15), accessToken: `EAAG${randomBytes(16).toString('base64url')}` },
      bearer(tenant.token),
    );
    expect(channel.status).toBe(201);
    const stands = await createTemplate(herald, tenant, { name: 'caller_approved', status: 'APPROVED' });
    expect(stands.body).toMatchObject({ status: 'APPROVED', channelId: channel.body.id });

    const submitted = await createTemplate(herald, tenant, { name: 'channel_submitted', submit: true, channelId: channel.body.id });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
    expect(submitted.body).toMatchObject({ status: 'PENDING', channelId: channel.body.id });
    expect(await waitForTemplate(herald, tenant.token, submitted.body.id, (template) => template.status === 'APPROVED', 10_000)).toMatchObject({
      status: 'APPROVED',
    });
    // The simulator approves after the same delay from creation: an approval of the earlier, unsubmitted
    // template would have come before this one's, so it is seen without waiting past the delay again.
    expect(await templateOf(herald, tenant.token, pending.body.id)).toMatchObject({ status: 'PENDING' });
  });
});
