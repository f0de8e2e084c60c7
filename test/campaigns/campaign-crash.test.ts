// The worker stops while the campaign's workflow is creating its 2,000 messages; another takes over.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWorker } from '../../server/temporal/worker.ts';
import { bearer } from '../support/actors.ts';
import { rest, startHarness, startTestWorker, type Harness } from '../support/harness.ts';
import { sleep } from '../support/eventually.ts';
import { sendingTenant, SILENT_SANDBOX } from '../messages/support.ts';
import { campaignWorkflowCount, createCampaign, importContacts, waitForCampaign } from './support.ts';

describe('a campaign across a worker crash in the middle of creating its messages', () => {
  let herald: Harness;
  let replacement: RunningWorker | undefined;
  beforeAll(async () => {
    // Meta's statuses are held back: the cores go to creating and sending.
    herald = await startHarness({ worker: true, sandboxDelays: SILENT_SANDBOX });
  });
  afterAll(async () => {
    await replacement?.stop();
    await herald?.close();
  });

  const messageRows = async (campaignId: string) =>
    (
      await herald.orm.em.fork().getConnection().execute<{ rows: number; contacts: number; started: number }[]>(
        'select count(*)::int as rows, count(distinct contact_id)::int as contacts, (count(*) filter (where workflow_started))::int as started from message where campaign_id = ?',
        [campaignId],
      )
    )[0]!;

  it('after the restart there are exactly 2,000 messages and 2,000 message workflows, none twice', { timeout: 180_000 }, async () => {
    const tenant = await sendingTenant(herald, '100.00');
    const contacts = await importContacts(herald, tenant, Array.from({ length: 2_000 }, (_, index) => ({ suffix: String(2_000 + index) })));
    // Due now: its messages are created a bite at a time as they go out (the test is about creation, and cancels
    // the campaign at its end).
    const created = await createCampaign(herald, tenant, {
      audience: { contactIds: contacts.map((contact) => contact.id) },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.audienceSize).toBe(2_000);
    const id = created.body.id as string;

    // Stopped once some messages exist and before all do.
    await expect.poll(async () => (await messageRows(id)).rows, { timeout: 30_000, interval: 20 }).toBeGreaterThan(0);
    await herald.worker!.stop();
    const atCrash = await messageRows(id);
    expect(atCrash.rows).toBeLessThan(2_000);
    await sleep(1_000);
    replacement = await startTestWorker(herald.config, herald.orm, herald.sandbox.url);

    await expect.poll(async () => (await messageRows(id)).started, { timeout: 90_000, interval: 250 }).toBe(2_000);
    expect(await messageRows(id)).toEqual({ rows: 2_000, contacts: 2_000, started: 2_000 });
    const campaign = await waitForCampaign(herald, tenant.token, id, () => true);
    expect(campaign.audienceSize).toBe(2_000);
    expect(Object.values(campaign.counts as Record<string, number>).reduce((sum, count) => sum + count, 0)).toBe(2_000);
    await expect
      .poll(() => campaignWorkflowCount(herald, id, ` AND WorkflowType = 'messageWorkflow'`), { timeout: 30_000, interval: 500 })
      .toBe(2_000);
    const page = await rest(herald, 'GET', `/campaigns/${id}/messages?limit=100`, undefined, bearer(tenant.token));
    expect(page.body.items).toHaveLength(100);
    await rest(herald, 'POST', `/campaigns/${id}/cancel`, undefined, bearer(tenant.token));
  });
});
