// A campaign stored by an API process that died before starting its workflow is started by the
// worker's reconciler, as a message in the same state is.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENANT_FILTER } from '../../server/db/tenant-scope.ts';
import { startMissingCampaignWorkflows } from '../../server/modules/campaigns/campaign-reconcile.ts';
import { storeCampaign } from '../../server/modules/campaigns/campaigns.service.ts';
import { startHarness, startTestReconciler, testWorkflowClients, type Harness } from '../support/harness.ts';
import { sendingTenant } from '../messages/support.ts';
import { importContacts, waitForCampaign } from './support.ts';

describe('a campaign whose workflow never started', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ worker: true });
  });
  afterAll(() => herald?.close());

  it('is started by the reconciler and runs to completion, each contact messaged once', async () => {
    const tenant = await sendingTenant(herald);
    const contacts = await importContacts(herald, tenant, Array.from({ length: 5 }, () => ({})));
    // What the API process stored before it died: the campaign and its audience, no workflow.
    const em = herald.orm.em.fork();
    em.setFilterParams(TENANT_FILTER, { tenantId: tenant.tenantId });
    const { campaign } = await storeCampaign(em, { prices: herald.config.prices, maxActive: herald.config.CAMPAIGNS_MAX_ACTIVE }, tenant.tenantId, {
      name: 'Orphaned',
      templateId: tenant.templateId,
      scheduleTime: new Date(),
      idempotencyKey: `orphan-${randomUUID()}`,
      audience: { contactIds: contacts.map((contact) => contact.id) },
    } as never);
    expect(campaign.workflowStarted).toBe(false);

    const campaigns = testWorkflowClients(herald).campaigns;
    const reconciler = startTestReconciler(herald, 1_000, [{ what: 'campaigns', run: (fork) => startMissingCampaignWorkflows(fork, campaigns, 500) }]);
    try {
      const done = await waitForCampaign(herald, tenant.token, campaign.id, (current) => current.status === 'COMPLETED', 60_000);
      expect(done).toMatchObject({ status: 'COMPLETED', audienceSize: 5 });
      const sent = herald.sandbox.sent.filter((record) => contacts.some((contact) => contact.phone === record.to) && record.httpStatus === 200);
      expect(sent).toHaveLength(5);
    } finally {
      reconciler.stop();
    }
  });
});
