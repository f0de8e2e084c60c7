// A root that Herald itself refused before sending it (funds, consent) told nobody: its escalation is CANCELLED
// with a detail, and no level message comes into being, however many levels its policy has.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideEscalation } from '../../server/modules/escalations/escalation-rules.ts';
import { bearer } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { importContacts } from '../campaigns/support.ts';
import { schedule, sendingTenant, SILENT_SANDBOX, waitForMessage, type SendingTenant } from '../messages/support.ts';
import { createPolicy, waitForEscalation, type PolicyLevel } from './support.ts';

const LEVELS = 10;
const ROOTS = 10;

describe('no escalation of a root that Herald refused', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ worker: true, sandboxDelays: SILENT_SANDBOX });
  });
  afterAll(() => herald?.close());

  /** A policy of ten PT1S levels, each to its own contact of the tenant. */
  async function tenLevelPolicy(tenant: SendingTenant) {
    const people = await importContacts(herald, tenant, Array.from({ length: LEVELS }, (_, i) => ({ name: `On call ${i + 1}` })));
    const levels: PolicyLevel[] = people.map((person) => ({ after: 'PT1S', unless: 'READ', notify: { contactId: person.id, templateId: tenant.templateId } }));
    return { policyId: await createPolicy(herald, tenant, levels), people };
  }

  const messageCount = async (tenant: SendingTenant) => (await rest(herald, 'GET', '/messages?limit=100', undefined, bearer(tenant.token))).body.items.length;

  it(`${ROOTS} roots that fail for funds under a ${LEVELS}-level PT1S policy: CANCELLED with a detail, no level message`, async () => {
    const tenant = await sendingTenant(herald, 0);
    const { policyId, people } = await tenLevelPolicy(tenant);
    const recipients = await importContacts(herald, tenant, Array.from({ length: ROOTS }, () => ({})));
    const roots = await Promise.all(recipients.map((recipient) => schedule(herald, tenant, recipient.id, { escalationPolicyId: policyId })));
    expect(roots.map((root) => root.status)).toEqual(roots.map(() => 201));

    for (const root of roots) {
      const ended = await waitForEscalation(herald, tenant, root.body.id, (escalation) => escalation.state !== 'PENDING');
      expect(ended).toMatchObject({ status: 'FAILED', failureReason: 'INSUFFICIENT_FUNDS', chargeState: 'NONE' });
      expect(ended.escalation).toMatchObject({ policyId, state: 'CANCELLED', resolvedBy: null, detail: expect.stringContaining('INSUFFICIENT_FUNDS') });
      expect(ended.escalation.levels).toEqual(
        Array.from({ length: LEVELS }, (_, i) => expect.objectContaining({ level: i + 1, state: 'CANCELLED', messageId: null })),
      );
    }
    // Every escalation has ended without firing: the tenant's messages are the roots alone, and nobody on call was written to.
    expect(await messageCount(tenant)).toBe(ROOTS);
    const onCall = new Set(people.map((person) => person.phone));
    expect(herald.sandbox.sent.filter((record) => onCall.has(record.to))).toEqual([]);
  });

  it('a root whose contact opted out before its time: CANCELLED with a detail naming the consent', async () => {
    const tenant = await sendingTenant(herald, '1.00');
    const { policyId } = await tenLevelPolicy(tenant);
    const [patient] = await importContacts(herald, tenant, [{}]);
    const root = await schedule(herald, tenant, patient!.id, { escalationPolicyId: policyId, scheduleTime: new Date(Date.now() + 3_000).toISOString() });
    expect(root.status).toBe(201);
    const optedOut = await rest(herald, 'POST', `/contacts/${patient!.id}/opt-out`, { scope: 'ALL' }, bearer(tenant.token));
    expect(optedOut.status).toBe(200);

    const ended = await waitForEscalation(herald, tenant, root.body.id, (escalation) => escalation.state !== 'PENDING');
    expect(ended).toMatchObject({ status: 'FAILED', failureReason: 'CONTACT_OPTED_OUT', chargeState: 'NONE' });
    expect(ended.escalation).toMatchObject({ state: 'CANCELLED', resolvedBy: null, detail: expect.stringContaining('CONTACT_OPTED_OUT') });
    expect(await messageCount(tenant)).toBe(1);
    expect((await rest(herald, 'GET', '/billing/balance', undefined, bearer(tenant.token))).body.balance).toBe('1.0000');
  });

  it('the rule: a root refused by Herald before sending is cancelled; one refused by Meta or failed in delivery still escalates', () => {
    const base = {
      scheduleTime: new Date('2026-12-01T10:00:00Z'),
      evidence: { delivered: false, read: false, replied: false, acknowledged: false },
      levels: [{ level: 1, afterMs: 1_000, unless: 'READ' as const, state: 'WAITING' as const, dueAt: null }],
      now: new Date('2026-12-01T10:00:05Z'),
      failedAt: new Date('2026-12-01T10:00:01Z'),
      rootStatus: 'FAILED' as const,
    };
    for (const reason of ['INSUFFICIENT_FUNDS', 'CONTACT_OPTED_OUT', 'TEMPLATE_NOT_APPROVED', 'MISSING_PARAMETERS', 'CHANNEL_DISABLED', 'EXPIRED']) {
      expect(decideEscalation({ ...base, sentAt: null, failureReason: reason })).toEqual({ kind: 'cancel', detail: expect.stringContaining(reason) });
    }
    expect(decideEscalation({ ...base, sentAt: null, failureReason: 'PROVIDER_REJECTED' })).toMatchObject({ kind: 'fire', level: 1 });
    expect(decideEscalation({ ...base, sentAt: new Date('2026-12-01T10:00:00Z'), failureReason: 'DELIVERY_FAILED' })).toMatchObject({ kind: 'fire', level: 1 });
  });
});
