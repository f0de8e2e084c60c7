// Cloud mode against the local stand-in for Meta: templates take Meta's status, quality and category, by
// submission, look-up and webhooks, and messages follow them (schedulable, failed uncharged, re-priced).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { balanceOf, schedule, waitForMessage } from '../messages/support.ts';
import { createTemplate, postTemplateWebhook, templateOf, waitForTemplate, wabaTenant } from './support.ts';
import { expectLedgerConsistent } from '../billing/support.ts';

describe('templates from Meta (cloud mode)', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ cloud: true, worker: true });
  });
  afterAll(() => herald?.close());

  it('submits to Meta under the channel WABA: PENDING, then APPROVED by webhook, then schedulable', async () => {
    herald.sandbox.templates.setApprovalDelay(1_500);
    const tenant = await wabaTenant(herald);
    const submitted = await createTemplate(herald, tenant, { name: 'order_shipped', submit: true, variables: ['name'], content: 'Hello {{1}}, your order shipped' });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
    expect(submitted.body).toMatchObject({ status: 'PENDING', quality: 'UNKNOWN', rejectedReason: null, channelId: tenant.channelId, category: 'UTILITY' });
    const onMeta = herald.sandbox.templates.list(tenant.wabaId);
    expect(onMeta).toEqual([expect.objectContaining({ id: submitted.body.metaTemplateId, name: 'order_shipped', language: 'en_US', status: 'PENDING' })]);

    // Not yet approved: refused at schedule.
    const contactId = await tenant.contact();
    const early = await schedule(herald, tenant, contactId, { templateId: submitted.body.id });
    expect(early.status).toBe(422);

    const approved = await waitForTemplate(herald, tenant.token, submitted.body.id, (template) => template.status === 'APPROVED');
    expect(approved).toMatchObject({ status: 'APPROVED', metaTemplateId: submitted.body.metaTemplateId });
    const scheduled = await schedule(herald, tenant, contactId, { templateId: submitted.body.id });
    expect(scheduled.status).toBe(201);
    const sent = await waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.status === 'READ');
    expect(sent).toMatchObject({ status: 'READ', chargeState: 'CHARGED', cost: '0.0200' });
  });

  it('a template PAUSED by webhook fails its due message without charge and refuses new ones', async () => {
    herald.sandbox.templates.setApprovalDelay(undefined);
    const tenant = await wabaTenant(herald, '1.00');
    const onMeta = herald.sandbox.templates.add(tenant.wabaId, { name: 'weekly_digest', status: 'APPROVED' });
    const template = await createTemplate(herald, tenant, { name: 'weekly_digest' });
    expect(template.body).toMatchObject({ status: 'APPROVED', metaTemplateId: onMeta.id });

    const contactId = await tenant.contact();
    const later = await schedule(herald, tenant, contactId, { templateId: template.body.id, scheduleTime: new Date(Date.now() + 4_000).toISOString() });
    expect(later.status).toBe(201);
    herald.sandbox.templates.change(tenant.wabaId, onMeta.id, { status: 'PAUSED' });
    await waitForTemplate(herald, tenant.token, template.body.id, (shown) => shown.status === 'PAUSED');

    const failed = await waitForMessage(herald, tenant.token, later.body.id, (message) => message.status === 'FAILED');
    expect(failed).toMatchObject({ status: 'FAILED', failureReason: 'TEMPLATE_NOT_APPROVED', chargeState: 'NONE' });
    expect(await balanceOf(herald, tenant.token)).toBe('1.0000');
    const refused = await schedule(herald, tenant, contactId, { templateId: template.body.id });
    expect(refused.status).toBe(422);

    // REJECTED carries Meta's reason; DISABLED too refuses.
    herald.sandbox.templates.change(tenant.wabaId, onMeta.id, { status: 'REJECTED', reason: 'INCORRECT_CATEGORY' });
    expect(await waitForTemplate(herald, tenant.token, template.body.id, (shown) => shown.status === 'REJECTED')).toMatchObject({ rejectedReason: 'INCORRECT_CATEGORY' });
    herald.sandbox.templates.change(tenant.wabaId, onMeta.id, { status: 'DISABLED' });
    expect(await waitForTemplate(herald, tenant.token, template.body.id, (shown) => shown.status === 'DISABLED')).toMatchObject({ rejectedReason: null });
    expect((await schedule(herald, tenant, contactId, { templateId: template.body.id })).status).toBe(422);
    await expectLedgerConsistent(herald);
  });

  it("without submit, takes Meta's status, category, quality and id; a template Meta does not know is a 422", async () => {
    const tenant = await wabaTenant(herald);
    const onMeta = herald.sandbox.templates.add(tenant.wabaId, { name: 'promo_code', language: 'pt_BR', category: 'MARKETING', status: 'PAUSED', quality: 'YELLOW' });
    // The caller's word is not taken: Meta's status, category and id are.
    const looked = await createTemplate(herald, tenant, { name: 'promo_code', language: 'pt_BR', status: 'APPROVED', category: 'UTILITY', metaTemplateId: 'mine' });
    expect(looked.status, JSON.stringify(looked.body)).toBe(201);
    expect(looked.body).toMatchObject({ status: 'PAUSED', category: 'MARKETING', quality: 'YELLOW', metaTemplateId: onMeta.id, channelId: tenant.channelId });

    const unknown = await createTemplate(herald, tenant, { name: 'never_made', status: 'APPROVED' });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ code: 'UNPROCESSABLE_CONTENT', data: { reason: 'TEMPLATE_NOT_ON_META' } });
    expect(unknown.body.message).toContain('never_made');
    // Same name, another language: still unknown.
    const otherLanguage = await createTemplate(herald, tenant, { name: 'promo_code', language: 'en_US' });
    expect(otherLanguage.body.data.reason).toBe('TEMPLATE_NOT_ON_META');
    expect((await rest(herald, 'GET', '/templates', undefined, bearer(tenant.token))).body.items.map((t: any) => t.name)).not.toContain('never_made');
  });

  it('quality and category webhooks keep the template current; a new category prices messages dispatched after it', async () => {
    const tenant = await wabaTenant(herald);
    const onMeta = herald.sandbox.templates.add(tenant.wabaId, { name: 'renewal_notice', category: 'UTILITY', quality: 'GREEN' });
    const template = await createTemplate(herald, tenant, { name: 'renewal_notice' });
    expect(template.body).toMatchObject({ category: 'UTILITY', quality: 'GREEN' });

    herald.sandbox.templates.change(tenant.wabaId, onMeta.id, { quality: 'RED' });
    await waitForTemplate(herald, tenant.token, template.body.id, (shown) => shown.quality === 'RED');
    const contactId = await tenant.contact();
    const before = await schedule(herald, tenant, contactId, { templateId: template.body.id });
    expect(await waitForMessage(herald, tenant.token, before.body.id, (message) => message.status === 'READ')).toMatchObject({ cost: '0.0200' });

    herald.sandbox.templates.change(tenant.wabaId, onMeta.id, { category: 'MARKETING' });
    expect(await waitForTemplate(herald, tenant.token, template.body.id, (shown) => shown.category === 'MARKETING')).toMatchObject({ status: 'APPROVED', quality: 'RED' });
    const after = await schedule(herald, tenant, contactId, { templateId: template.body.id });
    expect(await waitForMessage(herald, tenant.token, after.body.id, (message) => message.status === 'READ')).toMatchObject({ cost: '0.0500' });
    expect(await balanceOf(herald, tenant.token)).toBe('9.9300');
    await expectLedgerConsistent(herald);
  });

  it("ignores a webhook that names another WABA, even with the template's own id", async () => {
    const owner = await wabaTenant(herald);
    const stranger = await wabaTenant(herald);
    const onMeta = herald.sandbox.templates.add(owner.wabaId, { name: 'account_alert' });
    const template = await createTemplate(herald, owner, { name: 'account_alert' });
    expect(template.body.status).toBe('APPROVED');

    const about = { message_template_id: Number(onMeta.id), message_template_name: 'account_alert', message_template_language: 'en_US' };
    await postTemplateWebhook(herald, stranger.wabaId, 'message_template_status_update', { event: 'DISABLED', ...about, reason: 'NONE' });
    await postTemplateWebhook(herald, stranger.wabaId, 'message_template_quality_update', { previous_quality_score: 'GREEN', new_quality_score: 'RED', ...about });
    await postTemplateWebhook(herald, stranger.wabaId, 'template_category_update', { previous_category: 'UTILITY', new_category: 'MARKETING', ...about });
    expect(await templateOf(herald, owner.token, template.body.id)).toMatchObject({ status: 'APPROVED', quality: 'GREEN', category: 'UTILITY' });

    // The same webhook naming the owner's WABA does apply (so the one above was refused for its WABA alone).
    await postTemplateWebhook(herald, owner.wabaId, 'message_template_status_update', { event: 'PAUSED', ...about, reason: 'NONE' });
    expect(await templateOf(herald, owner.token, template.body.id)).toMatchObject({ status: 'PAUSED' });
  });
});
