// A campaign's messages come into being just in time: a campaign cancelled before its time still lists the
// recipients its CANCELLED count counts (with no workflow for any of them), and a due campaign larger than its
// window still reaches every recipient once.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENANT_FILTER } from '../../server/db/tenant-scope.ts';
import { campaignWindow } from '../../server/modules/campaigns/campaign-run.service.ts';
import { storeMessage } from '../../server/modules/messages/schedule.service.ts';
import { bearer } from '../support/actors.ts';
import { rest, startHarness, startTestReconciler, type Harness } from '../support/harness.ts';
import { sleep } from '../support/eventually.ts';
import { sendingTenant, sendsTo } from '../messages/support.ts';
import { onChannel, registerChannel } from '../channels/support.ts';
import { campaignWorkflowCount, createCampaign, importContacts, waitForCampaign } from './support.ts';
import { expectLedgerConsistent } from '../billing/support.ts';

describe('campaign messages created just in time', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ worker: true });
  });
  afterAll(() => herald?.close());

  /** Every message of the campaign, through its paged list. */
  async function allMessages(token: string, id: string, query = '') {
    const items: any[] = [];
    for (let cursor: string | null = null; ; ) {
      const page: any = await rest(herald, 'GET', `/campaigns/${id}/messages?limit=100${query}${cursor ? `&cursor=${cursor}` : ''}`, undefined, bearer(token));
      expect(page.status).toBe(200);
      items.push(...page.body.items);
      cursor = page.body.nextCursor;
      if (!cursor) return items;
    }
  }

  it('cancelled before its time: the messages list shows exactly the recipients counts.CANCELLED counts, none gets a workflow', async () => {
    const tenant = await sendingTenant(herald, '10.00');
    const contacts = await importContacts(herald, tenant, Array.from({ length: 120 }, () => ({})));
    const created = await createCampaign(herald, tenant, {
      scheduleTime: new Date(Date.now() + 3600_000).toISOString(),
      audience: { contactIds: contacts.map((contact) => contact.id) },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;

    const cancelled = await rest(herald, 'POST', `/campaigns/${id}/cancel`, undefined, bearer(tenant.token));
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'CANCELLED', counts: { CANCELLED: 120, SCHEDULED: 0 } });
    const listed = await allMessages(tenant.token, id);
    expect(listed).toHaveLength(120);
    expect(new Set(listed.map((message) => message.contactId))).toEqual(new Set(contacts.map((contact) => contact.id)));
    expect(new Set(listed.map((message) => message.status))).toEqual(new Set(['CANCELLED']));
    expect(await allMessages(tenant.token, id, '&status=CANCELLED')).toHaveLength(120);
    const one = await rest(herald, 'GET', `/messages/${listed[0].id}`, undefined, bearer(tenant.token));
    expect(one.body).toMatchObject({ status: 'CANCELLED', chargeState: 'NONE' });

    // The reconciler starts a stored message that has no workflow, and passes over the cancelled ones.
    const em = herald.orm.em.fork();
    em.setFilterParams(TENANT_FILTER, { tenantId: tenant.tenantId });
    const control = await storeMessage(em, tenant.tenantId, {
      templateId: tenant.templateId,
      contactId: contacts[0]!.id,
      scheduleTime: new Date(Date.now() + 3600_000),
      idempotencyKey: randomUUID(),
      parameters: {},
    });
    const reconciler = startTestReconciler(herald, 1_000);
    try {
      const started = async () => (await herald.orm.em.fork().getConnection().execute<{ started: boolean }[]>('select workflow_started as started from message where id = ?', [control.message.id]))[0]!.started;
      await expect.poll(started, { timeout: 30_000, interval: 250 }).toBe(true);
    } finally {
      reconciler.stop();
    }
    expect(await campaignWorkflowCount(herald, id, ` AND WorkflowType = 'messageWorkflow'`)).toBe(0);
    const after = await rest(herald, 'GET', `/campaigns/${id}`, undefined, bearer(tenant.token));
    expect(after.body.counts).toMatchObject({ CANCELLED: 120, SCHEDULED: 0, SENT: 0 });
    expect(sendsTo(herald, contacts.map((contact) => contact.phone))).toEqual([]);
  });

  it('a due campaign larger than its window: never more than the window waits undispatched, every recipient READ once', { timeout: 180_000 }, async () => {
    const rate = 10;
    const window = campaignWindow(rate);
    const size = window + 100;
    const sender = await sendingTenant(herald, '100.00');
    const channel = await registerChannel(herald, sender, { name: `${rate}/s`, rateLimitPerSecond: rate });
    // A template of that channel's WABA: a platform template may not go out from it.
    const tenant = await onChannel(herald, sender, channel);
    const contacts = await importContacts(herald, tenant, Array.from({ length: size }, () => ({})));
    const created = await createCampaign(herald, tenant, { channelId: channel.id, audience: { contactIds: contacts.map((contact) => contact.id) } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;

    // Created and not yet dispatched, sampled while the campaign runs.
    let most = 0;
    let running = true;
    const sampler = (async () => {
      while (running) {
        const [row] = await herald.orm.em.fork().getConnection().execute<{ n: number }[]>(
          "select count(*)::int as n from message where campaign_id = ? and status = 'SCHEDULED'",
          [id],
        );
        most = Math.max(most, row!.n);
        await sleep(100);
      }
    })();
    const done = await waitForCampaign(herald, tenant.token, id, (campaign) => campaign.status === 'COMPLETED' && campaign.counts.READ === size, 150_000);
    running = false;
    await sampler;
    expect(done).toMatchObject({ status: 'COMPLETED', counts: { READ: size, SCHEDULED: 0, FAILED: 0, CANCELLED: 0 } });
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(window);
    const sends = sendsTo(herald, contacts.map((contact) => contact.phone));
    expect(sends).toHaveLength(size);
    expect(new Set(sends.map((record) => record.to)).size).toBe(size);
    await expectLedgerConsistent(herald);
  });
});
