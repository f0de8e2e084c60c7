import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { eventually, sleep } from '../support/eventually.ts';
import { escalationWorkflowId } from '../../workflows/shared.ts';
import { inboundEnvelope } from '../../server/modules/whatsapp/sandbox-format.ts';
import { postStatus, postWebhook, schedule, type SendingTenant, sendingTenant, sendsTo, SILENT_SANDBOX, waitForMessage } from '../messages/support.ts';
import { createPolicy, escalationEnded, waitForEscalation } from './support.ts';

describe('escalations: when nobody reads a message, the next person is told', () => {
  let herald: Harness;
  beforeAll(async () => {
    // Statuses come only from the test: it decides what the root reaches, and when.
    herald = await startHarness({ worker: true, sandboxDelays: SILENT_SANDBOX });
  });
  afterAll(() => herald?.close());

  async function people(credits = '10.00') {
    const tenant = await sendingTenant(herald, credits);
    const phones = new Map<string, string>();
    const contact = async (name: string, suffix = '4242') => {
      const id = await tenant.contact(suffix, name);
      const listed = await rest(herald, 'GET', '/contacts?limit=100', undefined, bearer(tenant.token));
      phones.set(id, listed.body.items.find((item: any) => item.id === id).phone);
      return id;
    };
    return { tenant, contact, phoneOf: (id: string) => phones.get(id)! };
  }

  /**
   * The escalation's workflow ended RESOLVED with its level cancelled and no level message: it can fire nothing
   * any more (instead of waiting past the level's due time to see that nothing came).
   */
  async function expectEndedUntold(tenant: SendingTenant, rootId: string, phone: string) {
    expect(await escalationEnded(herald, rootId)).toEqual({ state: 'RESOLVED' });
    const ended = await waitForEscalation(herald, tenant, rootId, () => true);
    expect(ended.escalation).toMatchObject({ state: 'RESOLVED', levels: [{ state: 'CANCELLED', messageId: null }] });
    expect(sendsTo(herald, phone)).toEqual([]);
  }

  const escalationHistory = async (rootId: string) => (await herald.temporal.workflow.getHandle(escalationWorkflowId(rootId)).fetchHistory()).events ?? [];

  /** The escalation got a wake-up beyond the first `wakesBefore`, and its step ran after the newest one (a marker follows it). */
  async function decidedAfterWake(rootId: string, wakesBefore: number) {
    const decided = (events: Awaited<ReturnType<typeof escalationHistory>>) => {
      const wakes = events.flatMap((event, index) => (event.workflowExecutionSignaledEventAttributes ? [index] : []));
      return wakes.length > wakesBefore && events.slice(wakes.at(-1)).some((event) => event.markerRecordedEventAttributes);
    };
    await eventually(() => escalationHistory(rootId), decided, { what: `the escalation of ${rootId} to decide after its wake-up` });
  }

  async function sentRoot(tenant: SendingTenant, contactId: string, policyId: string) {
    const scheduled = await schedule(herald, tenant, contactId, { escalationPolicyId: policyId });
    expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(201);
    return waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.providerMessageId !== null);
  }

  it('read before the first level falls due: RESOLVED by READ, nobody else is told', async () => {
    const { tenant, contact, phoneOf } = await people();
    const nurse = await contact('Nurse');
    const policyId = await createPolicy(herald, tenant, [{ after: 'PT3S', unless: 'READ', notify: { contactId: nurse, templateId: tenant.templateId } }]);
    const root = await sentRoot(tenant, await contact('Patient'), policyId);
    expect(await postStatus(herald, root.providerMessageId, 'read')).toBe(200);
    const resolved = await waitForEscalation(herald, tenant, root.id, (escalation) => escalation.state !== 'PENDING');
    expect(resolved.escalation).toMatchObject({ policyId, state: 'RESOLVED', resolvedBy: 'READ', levels: [{ level: 1, state: 'CANCELLED', messageId: null }] });
    await expectEndedUntold(tenant, root.id, phoneOf(nurse));
  });

  it('never read: level 1 goes to the nurse when due, then level 2 to the manager; EXHAUSTED after the last', async () => {
    const { tenant, contact, phoneOf } = await people();
    const nurse = await contact('Nurse');
    const manager = await contact('Manager');
    const policyId = await createPolicy(herald, tenant, [
      { after: 'PT2S', unless: 'READ', notify: { contactId: nurse, templateId: tenant.templateId } },
      { after: 'PT2S', unless: 'READ', notify: { contactId: manager, templateId: tenant.templateId } },
    ]);
    const root = await sentRoot(tenant, await contact('Patient'), policyId);
    expect(await postStatus(herald, root.providerMessageId, 'delivered')).toBe(200);

    const done = await waitForEscalation(herald, tenant, root.id, (escalation) => escalation.state === 'EXHAUSTED');
    expect(done.escalation).toMatchObject({ state: 'EXHAUSTED', resolvedBy: null });
    const [first, second] = done.escalation.levels;
    expect(first).toMatchObject({ level: 1, state: 'SENT', messageId: expect.any(String) });
    expect(second).toMatchObject({ level: 2, state: 'SENT', messageId: expect.any(String) });
    // Level 1 is due 2 s after the root was sent, level 2 2 s after level 1.
    expect(Date.parse(first.dueAt) - Date.parse(root.sentAt)).toBeGreaterThanOrEqual(1_900);
    expect(Date.parse(first.dueAt) - Date.parse(root.sentAt)).toBeLessThanOrEqual(2_100);
    expect(Date.parse(second.dueAt) - Date.parse(first.dueAt)).toBe(2_000);

    const levelOne = await waitForMessage(herald, tenant.token, first.messageId, (message) => message.providerMessageId !== null);
    expect(levelOne).toMatchObject({ contactId: nurse, escalationOf: { messageId: root.id, level: 1 }, chargeState: 'CHARGED' });
    expect(Date.parse(levelOne.sentAt)).toBeGreaterThanOrEqual(Date.parse(first.dueAt));
    await waitForMessage(herald, tenant.token, second.messageId, (message) => message.providerMessageId !== null);
    expect(sendsTo(herald, phoneOf(nurse))).toHaveLength(1);
    expect(sendsTo(herald, phoneOf(manager))).toHaveLength(1);
  });

  it('acknowledged through the API: RESOLVED by ACKNOWLEDGED, the waiting levels cancelled', async () => {
    const { tenant, contact, phoneOf } = await people();
    const nurse = await contact('Nurse');
    const policyId = await createPolicy(herald, tenant, [{ after: 'PT4S', unless: 'READ', notify: { contactId: nurse, templateId: tenant.templateId } }]);
    const root = await sentRoot(tenant, await contact('Patient'), policyId);
    const acknowledged = await rest(herald, 'POST', `/messages/${root.id}/acknowledge`, undefined, bearer(tenant.token));
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.body.acknowledgedAt).not.toBeNull();
    const resolved = await waitForEscalation(herald, tenant, root.id, (escalation) => escalation.state !== 'PENDING');
    expect(resolved.escalation).toMatchObject({ state: 'RESOLVED', resolvedBy: 'ACKNOWLEDGED', levels: [{ state: 'CANCELLED' }] });
    await expectEndedUntold(tenant, root.id, phoneOf(nurse));
  });

  it('a reply from the contact on the root\'s number: RESOLVED by REPLIED', async () => {
    const { tenant, contact, phoneOf } = await people();
    const nurse = await contact('Nurse');
    const patient = await contact('Patient');
    const policyId = await createPolicy(herald, tenant, [{ after: 'PT5S', unless: 'REPLIED', notify: { contactId: nurse, templateId: tenant.templateId } }]);
    const root = await sentRoot(tenant, patient, policyId);
    // Read does not count for REPLIED: woken by it, the escalation decides again and stays pending.
    const wakes = (await escalationHistory(root.id)).filter((event) => event.workflowExecutionSignaledEventAttributes).length;
    await postStatus(herald, root.providerMessageId, 'read');
    await decidedAfterWake(root.id, wakes);
    expect((await waitForEscalation(herald, tenant, root.id, () => true)).escalation.state).toBe('PENDING');
    const identity = { wabaId: '102290129340398', phoneNumberId: herald.config.whatsapp.phoneNumberId, displayPhoneNumber: '15550783881' };
    const reply = inboundEnvelope(identity, { id: `wamid.reply-${root.id}`, from: phoneOf(patient).slice(1), text: 'On my way', quotedWamid: root.providerMessageId });
    expect((await postWebhook(herald, reply)).status).toBe(200);
    const resolved = await waitForEscalation(herald, tenant, root.id, (escalation) => escalation.state !== 'PENDING');
    expect(resolved.escalation).toMatchObject({ state: 'RESOLVED', resolvedBy: 'REPLIED', levels: [{ state: 'CANCELLED' }] });
    await expectEndedUntold(tenant, root.id, phoneOf(nurse));
  });

  it('a root Meta refuses fires level 1 at once instead of waiting', async () => {
    const { tenant, contact, phoneOf } = await people();
    const nurse = await contact('Nurse');
    const policyId = await createPolicy(herald, tenant, [{ after: 'PT10M', unless: 'READ', notify: { contactId: nurse, templateId: tenant.templateId } }]);
    const started = Date.now();
    const scheduled = await schedule(herald, tenant, await contact('Patient', '0001'), { escalationPolicyId: policyId });
    const fired = await waitForEscalation(herald, tenant, scheduled.body.id, (escalation) => escalation.levels[0].state === 'SENT');
    // At once, not after the level's ten minutes (the refused send wakes the escalation; a loaded machine adds seconds).
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(fired.status).toBe('FAILED');
    expect(fired.escalation).toMatchObject({ state: 'EXHAUSTED', levels: [{ state: 'SENT' }] });
    await expect.poll(() => sendsTo(herald, phoneOf(nurse)).length, { timeout: 15_000 }).toBe(1);
  });

  it('a root cancelled before dispatch cancels its escalation; nothing is sent', async () => {
    const { tenant, contact, phoneOf } = await people();
    const nurse = await contact('Nurse');
    const patient = await contact('Patient');
    const policyId = await createPolicy(herald, tenant, [{ after: 'PT1S', unless: 'READ', notify: { contactId: nurse, templateId: tenant.templateId } }]);
    const scheduled = await schedule(herald, tenant, patient, { escalationPolicyId: policyId, scheduleTime: new Date(Date.now() + 60_000).toISOString() });
    expect((await rest(herald, 'POST', `/messages/${scheduled.body.id}/cancel`, undefined, bearer(tenant.token))).status).toBe(200);
    const cancelled = await waitForEscalation(herald, tenant, scheduled.body.id, (escalation) => escalation.state !== 'PENDING');
    expect(cancelled.escalation).toMatchObject({ state: 'CANCELLED', levels: [{ state: 'CANCELLED' }] });
    expect(sendsTo(herald, phoneOf(nurse))).toEqual([]);
    expect(sendsTo(herald, phoneOf(patient))).toEqual([]);
  });

  it('a root rescheduled to an earlier time: its escalation counts from the new sending', async () => {
    const { tenant, contact, phoneOf } = await people();
    const nurse = await contact('Nurse');
    const policyId = await createPolicy(herald, tenant, [{ after: 'PT2S', unless: 'READ', notify: { contactId: nurse, templateId: tenant.templateId } }]);
    const later = new Date(Date.now() + 120_000).toISOString();
    const scheduled = await schedule(herald, tenant, await contact('Patient'), { escalationPolicyId: policyId, scheduleTime: later });
    await sleep(500);
    const moved = await rest(herald, 'POST', `/messages/${scheduled.body.id}/reschedule`, { scheduleTime: new Date().toISOString() }, bearer(tenant.token));
    expect(moved.status).toBe(200);
    const fired = await waitForEscalation(herald, tenant, scheduled.body.id, (escalation) => escalation.state !== 'PENDING', 20_000);
    expect(fired.escalation).toMatchObject({ state: 'EXHAUSTED', levels: [{ state: 'SENT' }] });
    await expect.poll(() => sendsTo(herald, phoneOf(nurse)).length, { timeout: 10_000 }).toBe(1);
  });

  it("a level whose message cannot be paid for is recorded as such, and the next level still fires", async () => {
    // Enough for the root alone (UTILITY costs 0.0200).
    const { tenant, contact, phoneOf } = await people('0.02');
    const nurse = await contact('Nurse');
    const manager = await contact('Manager');
    const policyId = await createPolicy(herald, tenant, [
      { after: 'PT1S', unless: 'READ', notify: { contactId: nurse, templateId: tenant.templateId } },
      { after: 'PT1S', unless: 'READ', notify: { contactId: manager, templateId: tenant.templateId } },
    ]);
    const root = await sentRoot(tenant, await contact('Patient'), policyId);
    const done = await waitForEscalation(herald, tenant, root.id, (escalation) => escalation.state === 'EXHAUSTED');
    for (const level of done.escalation.levels) {
      const message = await waitForMessage(herald, tenant.token, level.messageId, (m) => m.status === 'FAILED');
      expect(message).toMatchObject({ status: 'FAILED', failureReason: 'INSUFFICIENT_FUNDS', chargeState: 'NONE' });
    }
    expect(sendsTo(herald, phoneOf(nurse))).toEqual([]);
    expect(sendsTo(herald, phoneOf(manager))).toEqual([]);
  });

  it('READ arriving in the same instant as the level timer: exactly one outcome, every time', async () => {
    const { tenant, contact, phoneOf } = await people();
    const nurse = await contact('Nurse');
    const policyId = await createPolicy(herald, tenant, [{ after: 'PT2S', unless: 'READ', notify: { contactId: nurse, templateId: tenant.templateId } }]);
    const outcomes: string[] = [];
    for (const offsetMs of [-150, -50, 0, 50, 150]) {
      const root = await sentRoot(tenant, await contact('Patient'), policyId);
      await sleep(Math.max(0, Date.parse(root.sentAt) + 2_000 + offsetMs - Date.now()));
      await postStatus(herald, root.providerMessageId, 'read');
      const settled = await waitForEscalation(herald, tenant, root.id, (escalation) => escalation.state !== 'PENDING');
      const level = settled.escalation.levels[0];
      if (settled.escalation.state === 'RESOLVED') {
        expect(level).toMatchObject({ state: 'CANCELLED', messageId: null });
      } else {
        expect(settled.escalation.state).toBe('EXHAUSTED');
        expect(level).toMatchObject({ state: 'SENT', messageId: expect.any(String) });
      }
      outcomes.push(settled.escalation.state);
    }
    // One level message per EXHAUSTED root, none for a RESOLVED one.
    const exhausted = outcomes.filter((state) => state === 'EXHAUSTED').length;
    await expect.poll(() => sendsTo(herald, phoneOf(nurse)).length, { timeout: 15_000 }).toBe(exhausted);
  });

  it("refuses another tenant's policy (422), and bad levels with a reason (400)", async () => {
    const { tenant, contact } = await people();
    const stranger = await sendingTenant(herald);
    const theirContact = await stranger.contact();
    const nurse = await contact('Nurse');
    const theirPolicy = await createPolicy(herald, stranger, [{ after: 'PT1M', unless: 'READ', notify: { contactId: theirContact, templateId: stranger.templateId } }]);
    const foreign = await schedule(herald, tenant, nurse, { escalationPolicyId: theirPolicy });
    expect(foreign.status).toBe(422);
    expect(foreign.body.data.reason).toBe('ESCALATION_POLICY_NOT_FOUND');
    expect((await rest(herald, 'GET', `/escalation-policies/${theirPolicy}`, undefined, bearer(tenant.token))).status).toBe(404);

    const level = { after: 'PT1M', unless: 'READ', notify: { contactId: nurse, templateId: tenant.templateId } };
    for (const levels of [[], Array(11).fill(level), [{ ...level, after: 'P31D' }], [{ ...level, after: 'PT0S' }], [{ ...level, after: 'P1M' }], [{ ...level, unless: 'SEEN' }]]) {
      const answer = await rest(herald, 'POST', '/escalation-policies', { name: 'x', levels }, bearer(tenant.token));
      expect(answer.status, JSON.stringify(levels).slice(0, 80)).toBe(400);
    }
    const strangerContact = await rest(herald, 'POST', '/escalation-policies', { name: 'x', levels: [{ ...level, notify: { contactId: theirContact, templateId: tenant.templateId } }] }, bearer(tenant.token));
    expect(strangerContact.status).toBe(422);
    expect(strangerContact.body.data.reason).toBe('CONTACT_NOT_FOUND');
  });
});
