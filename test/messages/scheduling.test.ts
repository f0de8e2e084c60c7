import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bearer, registerTenant } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { balanceOf, ledgerOf, schedule, type SendingTenant, sendingTenant, sendsTo, waitForMessage } from './support.ts';
import { expectLedgerConsistent } from '../billing/support.ts';

const HOUR = 3600_000;
const at = (fromNowMs: number) => new Date(Date.now() + fromNowMs).toISOString();
const isoTime = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
const finished = (message: { status: string }) => ['DELIVERED', 'READ'].includes(message.status);

describe('scheduling, cancelling and rescheduling messages over the REST API', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ worker: true });
  });
  afterEach(() => expectLedgerConsistent(herald));
  afterAll(() => herald?.close());

  const workflowOf = (id: string) => herald.temporal.workflow.getHandle(`message-${id}`);
  const post = (tenant: SendingTenant, path: string, body: unknown) => rest(herald, 'POST', path, body, bearer(tenant.token));
  const get = (tenant: SendingTenant, path: string) => rest(herald, 'GET', path, undefined, bearer(tenant.token));
  const phoneOf = async (tenant: SendingTenant, contactId: string): Promise<string> =>
    (await get(tenant, '/contacts?limit=100')).body.items.find((contact: { id: string }) => contact.id === contactId).phone;

  describe('idempotency (the same key and body is the same request)', () => {
    it('replays the same key and body with 200 and the same message, starting no second workflow or send', async () => {
      const tenant = await sendingTenant(herald);
      const contactId = await tenant.contact('6101');
      // Both names are the template's variables, so both are stored and hashed (other names are dropped first).
      const template = await post(tenant, '/templates', {
        name: 'visit_city',
        content: 'Hello {{1}}, see you in {{2}}',
        variables: ['name', 'attributes.city'],
        metaTemplateId: 'meta_visit',
        status: 'APPROVED',
      });
      expect(template.status, JSON.stringify(template.body)).toBe(201);
      const parameters = { name: 'Al', 'attributes.city': 'Paris' };
      const body = { templateId: template.body.id, contactId, scheduleTime: at(-1000), idempotencyKey: `welcome-${randomUUID()}`, parameters };
      const first = await post(tenant, '/messages/schedule', body);
      expect(first.status).toBe(201);
      expect(first.body.parameters).toEqual(parameters);
      await waitForMessage(herald, tenant.token, first.body.id, (message) => message.status === 'READ');
      await expect.poll(async () => (await workflowOf(first.body.id).describe()).status.name, { timeout: 10_000 }).toBe('COMPLETED');
      const run = await workflowOf(first.body.id).describe();

      // The same parameters in another key order are the same body.
      const replay = await post(tenant, '/messages/schedule', { ...body, parameters: { 'attributes.city': 'Paris', name: 'Al' } });
      expect(replay.status).toBe(200);
      expect(replay.body).toMatchObject({ id: first.body.id, status: 'READ', idempotencyKey: body.idempotencyKey });
      expect((await workflowOf(first.body.id).describe()).runId).toBe(run.runId);
      expect(sendsTo(herald, await phoneOf(tenant, contactId))).toHaveLength(1);
      expect(await balanceOf(herald, tenant.token)).toBe('9.9800');
    });

    it('refuses the same key with another scheduleTime or other parameters: 409', async () => {
      const tenant = await sendingTenant(herald);
      const body = { templateId: tenant.templateId, contactId: await tenant.contact('6102'), scheduleTime: at(HOUR), idempotencyKey: randomUUID() };
      expect((await post(tenant, '/messages/schedule', body)).status).toBe(201);
      const otherTime = await post(tenant, '/messages/schedule', { ...body, scheduleTime: at(2 * HOUR) });
      expect(otherTime.status).toBe(409);
      expect(otherTime.body.message).toMatch(/idempotencyKey/);
      expect((await post(tenant, '/messages/schedule', { ...body, parameters: { name: 'Bob' } })).status).toBe(409);
      expect((await get(tenant, '/messages')).body.items).toHaveLength(1);
    });

    it('answers 10 identical requests racing each other with one 201 and nine 200s for one message, sent once', async () => {
      const tenant = await sendingTenant(herald);
      const contactId = await tenant.contact('6103');
      const body = { templateId: tenant.templateId, contactId, scheduleTime: at(0), idempotencyKey: randomUUID() };
      const answers = await Promise.all(Array.from({ length: 10 }, () => post(tenant, '/messages/schedule', body)));
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
      expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(1);
      expect((await get(tenant, '/messages')).body.items).toHaveLength(1);
      await waitForMessage(herald, tenant.token, answers[0]!.body.id, (message) => message.status === 'READ');
      expect(sendsTo(herald, await phoneOf(tenant, contactId))).toHaveLength(1);
      expect(await balanceOf(herald, tenant.token)).toBe('9.9800');
    });

    it('keeps keys apart per tenant: the same key in another tenant is a new message', async () => {
      const acme = await sendingTenant(herald);
      const globex = await sendingTenant(herald);
      const key = `shared-${randomUUID()}`;
      const mine = await schedule(herald, acme, await acme.contact('6104'), { idempotencyKey: key, scheduleTime: at(HOUR) });
      const theirs = await schedule(herald, globex, await globex.contact('6104'), { idempotencyKey: key, scheduleTime: at(HOUR) });
      expect([mine.status, theirs.status]).toEqual([201, 201]);
      expect(theirs.body.id).not.toBe(mine.body.id);
    });
  });

  describe('validation', () => {
    let tenant: SendingTenant;
    let contactId: string;
    beforeAll(async () => {
      tenant = await sendingTenant(herald);
      contactId = await tenant.contact('6201');
    });

    it('refuses a template that is not APPROVED, or is not the tenant’s, with 422', async () => {
      const template = { name: 'pending_one', content: 'Hi {{1}}', variables: ['name'], metaTemplateId: 'm_p', status: 'PENDING' };
      const pending = await post(tenant, '/templates', template);
      expect(pending.status).toBe(201);
      const notApproved = await schedule(herald, tenant, contactId, { templateId: pending.body.id });
      expect(notApproved.status).toBe(422);
      expect(notApproved.body.message).toMatch(/PENDING/);

      const other = await sendingTenant(herald, 0);
      const foreign = await schedule(herald, tenant, contactId, { templateId: other.templateId });
      const missing = await schedule(herald, tenant, contactId, { templateId: randomUUID() });
      expect(foreign.status).toBe(422);
      expect(foreign.body).toEqual(missing.body);
    });

    it('refuses a contact who opted out with 422', async () => {
      const optedOut = await tenant.contact('6202');
      // No opt-out endpoint exists yet, so the opt-out is written straight into the contact row.
      await herald.orm.em.getConnection().execute('update contact set opted_out = true where id = ? and tenant_id = ?', [optedOut, tenant.tenantId]);
      const refused = await schedule(herald, tenant, optedOut);
      expect(refused.status).toBe(422);
      expect(refused.body.message).toMatch(/opted out/);
    });

    it('asks for a template variable the contact cannot fill (400), and accepts it in parameters', async () => {
      const phone = `+1555${String(Date.now()).slice(-7, -4)}6203`;
      await post(tenant, '/contacts/import', { contacts: [{ phone }] });
      const nameless = (await get(tenant, `/contacts?search=${phone.slice(1)}`)).body.items[0].id;
      const missing = await schedule(herald, tenant, nameless);
      expect(missing.status).toBe(400);
      expect(missing.body.message).toMatch(/name/);

      const given = await schedule(herald, tenant, nameless, { parameters: { name: 'X' } });
      expect(given.status).toBe(201);
      await waitForMessage(herald, tenant.token, given.body.id, finished);
      expect(sendsTo(herald, phone).map((call) => call.bodyParameters)).toEqual([['X']]);
    });

    it('refuses scheduleTimes more than a year ahead, without an offset, or unreadable, with 400', async () => {
      for (const scheduleTime of [at(367 * 24 * HOUR), '2026-12-01T09:00:00', 'next tuesday', 1764579600000]) {
        const refused = await schedule(herald, tenant, contactId, { scheduleTime });
        expect(refused.status, String(scheduleTime)).toBe(400);
        expect(JSON.stringify(refused.body)).toMatch(/scheduleTime/);
      }
    });

    it('refuses an unknown body field with 400', async () => {
      const refused = await schedule(herald, tenant, contactId, { priority: 'high' });
      expect(refused.status).toBe(400);
      expect(refused.body.data.issues).toContainEqual(expect.objectContaining({ message: expect.stringContaining('priority') }));
    });

    it('sends a message whose scheduleTime has passed right away', async () => {
      const asked = Date.now();
      const past = await schedule(herald, tenant, await tenant.contact('6204'), { scheduleTime: at(-2 * HOUR) });
      expect(past.status).toBe(201);
      const sent = await waitForMessage(herald, tenant.token, past.body.id, (message) => message.sentAt !== null, 15_000);
      expect(sent.status).not.toBe('SCHEDULED');
      expect(Date.parse(sent.sentAt) - asked).toBeLessThan(10_000);
    });
  });

  describe('cancel', () => {
    it('cancels a message whose time has not come: CANCELLED, workflow completed, nothing charged or sent', async () => {
      const tenant = await sendingTenant(herald, '1.00');
      const contactId = await tenant.contact('6301');
      const scheduled = await schedule(herald, tenant, contactId, { scheduleTime: at(HOUR) });
      const cancelled = await post(tenant, `/messages/${scheduled.body.id}/cancel`, {});
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ id: scheduled.body.id, status: 'CANCELLED', chargeState: 'NONE', cancelledAt: isoTime });
      expect(cancelled.body.history.map((event: { status: string }) => event.status)).toEqual(['SCHEDULED', 'CANCELLED']);

      await expect.poll(async () => (await workflowOf(scheduled.body.id).describe()).status.name, { timeout: 10_000 }).toBe('COMPLETED');
      expect(await balanceOf(herald, tenant.token)).toBe('1.0000');
      expect((await ledgerOf(herald, tenant.token)).filter((entry: { reason: string }) => entry.reason !== 'TOPUP')).toEqual([]);
      expect(sendsTo(herald, await phoneOf(tenant, contactId))).toEqual([]);

      const again = await post(tenant, `/messages/${scheduled.body.id}/cancel`, {});
      expect(again.status).toBe(409);
    });

    it('accepts a bare cancel with no body and no content type, as curl sends it', async () => {
      const tenant = await sendingTenant(herald, '1.00');
      const scheduled = await schedule(herald, tenant, await tenant.contact('6303'), { scheduleTime: at(HOUR) });
      const cancelled = await rest(herald, 'POST', `/messages/${scheduled.body.id}/cancel`, undefined, bearer(tenant.token));
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.status).toBe('CANCELLED');
    });

    it('refuses to cancel a message already sent: 409', async () => {
      const tenant = await sendingTenant(herald, '1.00');
      const scheduled = await schedule(herald, tenant, await tenant.contact('6302'));
      await waitForMessage(herald, tenant.token, scheduled.body.id, finished);
      const refused = await post(tenant, `/messages/${scheduled.body.id}/cancel`, {});
      expect(refused.status).toBe(409);
      expect((await get(tenant, `/messages/${scheduled.body.id}`)).body.chargeState).toBe('CHARGED');
    });
  });

  describe('reschedule', () => {
    it('moves a message from an hour ahead to now-ish, and it is then sent', async () => {
      const tenant = await sendingTenant(herald, '1.00');
      const scheduled = await schedule(herald, tenant, await tenant.contact('6401'), { scheduleTime: at(HOUR) });
      const soon = at(2000);
      const moved = await post(tenant, `/messages/${scheduled.body.id}/reschedule`, { scheduleTime: soon });
      expect(moved.status).toBe(200);
      expect(moved.body).toMatchObject({ status: 'SCHEDULED', scheduleTime: soon });
      expect(moved.body.history.map((event: { status: string }) => event.status)).toEqual(['SCHEDULED', 'RESCHEDULED']);

      const sent = await waitForMessage(herald, tenant.token, scheduled.body.id, finished, 20_000);
      expect(sent).toMatchObject({ status: expect.stringMatching(/^(DELIVERED|READ)$/), chargeState: 'CHARGED' });
      expect(Date.parse(sent.sentAt)).toBeGreaterThanOrEqual(Date.parse(soon));
    });

    it('moves a message to a past time: it is sent right away, with the new time on record first', async () => {
      const tenant = await sendingTenant(herald, '1.00');
      const scheduled = await schedule(herald, tenant, await tenant.contact('6405'), { scheduleTime: at(HOUR) });
      const past = at(-60_000);
      const moved = await post(tenant, `/messages/${scheduled.body.id}/reschedule`, { scheduleTime: past });
      expect(moved.status).toBe(200);
      const sent = await waitForMessage(herald, tenant.token, scheduled.body.id, finished);
      expect(sent.scheduleTime).toBe(past);
      expect(sent.history.map((event: { status: string }) => event.status).slice(0, 3)).toEqual(['SCHEDULED', 'RESCHEDULED', 'DISPATCHING']);
    });

    it('never answers 200 for a change that lost the race with the timer', async () => {
      const tenant = await sendingTenant(herald, '1.00');
      const contactId = await tenant.contact('6404');
      const due = Date.now() + 2500;
      // Requests land from 150 ms before to 150 ms after the due time, some while the timer fires.
      const outcomes = await Promise.all(
        Array.from({ length: 16 }, async (_, index) => {
          const scheduled = await schedule(herald, tenant, contactId, { scheduleTime: new Date(due).toISOString() });
          await new Promise((resolve) => setTimeout(resolve, due - 150 + index * 20 - Date.now()));
          const rescheduled = index % 2 === 0;
          const change = rescheduled
            ? await post(tenant, `/messages/${scheduled.body.id}/reschedule`, { scheduleTime: at(HOUR) })
            : await post(tenant, `/messages/${scheduled.body.id}/cancel`, {});
          return { id: scheduled.body.id, answer: change.status, rescheduled };
        }),
      );
      // Proved from each workflow's end, not by waiting for a send that must not come: a changed message's
      // workflow ends uncharged once cancelled (a rescheduled one is cancelled now, which only a message still
      // waiting allows); a refused change's message is dispatched.
      for (const { id, answer, rescheduled } of outcomes) {
        expect([200, 409], id).toContain(answer);
        if (answer === 409) {
          const dispatched = await waitForMessage(herald, tenant.token, id, (message) => message.providerMessageId !== null);
          expect(dispatched.providerMessageId, `dispatched ${id}`).not.toBeNull();
          continue;
        }
        const untouched = { status: expect.stringMatching(/^(SCHEDULED|CANCELLED)$/), chargeState: 'NONE', providerMessageId: null };
        expect((await get(tenant, `/messages/${id}`)).body, `changed ${id}`).toMatchObject(untouched);
        if (rescheduled) expect((await post(tenant, `/messages/${id}/cancel`, {})).status, `still waiting ${id}`).toBe(200);
        expect(await workflowOf(id).result(), `never dispatched ${id}`).toMatchObject({ phase: 'DONE', status: 'CANCELLED', charged: false });
        expect((await get(tenant, `/messages/${id}`)).body, `changed ${id}`).toMatchObject({ status: 'CANCELLED', chargeState: 'NONE', providerMessageId: null });
      }
    });

    it('refuses to reschedule a dispatched message (409) or to more than a year ahead (400)', async () => {
      const tenant = await sendingTenant(herald, '1.00');
      const waiting = await schedule(herald, tenant, await tenant.contact('6402'), { scheduleTime: at(HOUR) });
      const tooFar = await post(tenant, `/messages/${waiting.body.id}/reschedule`, { scheduleTime: at(367 * 24 * HOUR) });
      expect(tooFar.status).toBe(400);
      expect((await get(tenant, `/messages/${waiting.body.id}`)).body.scheduleTime).toBe(waiting.body.scheduleTime);

      const dispatched = await schedule(herald, tenant, await tenant.contact('6403'));
      await waitForMessage(herald, tenant.token, dispatched.body.id, finished);
      expect((await post(tenant, `/messages/${dispatched.body.id}/reschedule`, { scheduleTime: at(HOUR) })).status).toBe(409);
    });
  });

  describe('GET /messages/{id}', () => {
    it('shows status, timestamps, cost, charge state, provider id and history', async () => {
      const tenant = await sendingTenant(herald, '1.00');
      const contactId = await tenant.contact('6501', 'Alice');
      const scheduled = await schedule(herald, tenant, contactId);
      const read = await waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.status === 'READ');
      expect(read).toEqual({
        id: scheduled.body.id,
        templateId: tenant.templateId,
        contactId,
        channelId: null,
        campaignId: null,
        fromPhoneNumberId: herald.config.whatsapp.phoneNumberId,
        idempotencyKey: scheduled.body.idempotencyKey,
        status: 'READ',
        scheduleTime: scheduled.body.scheduleTime,
        parameters: {},
        cost: '0.0200',
        priceReason: null,
        chargeState: 'CHARGED',
        providerMessageId: expect.stringMatching(/^wamid\./),
        failureReason: null,
        providerErrorCode: null,
        sentAt: isoTime,
        deliveredAt: isoTime,
        readAt: isoTime,
        failedAt: null,
        cancelledAt: null,
        acknowledgedAt: null,
        escalationOf: null,
        escalation: null,
        createdAt: isoTime,
        updatedAt: isoTime,
        history: expect.arrayContaining([
          { status: 'SCHEDULED', occurredAt: isoTime, source: 'API', providerErrorCode: null, detail: expect.any(String) },
          { status: 'READ', occurredAt: isoTime, source: 'PROVIDER', providerErrorCode: null, detail: null },
        ]),
      });
    });

    it('shows why a message failed', async () => {
      const tenant = await sendingTenant(herald, '1.00');
      const scheduled = await schedule(herald, tenant, await tenant.contact('0000'));
      const failed = await waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.chargeState === 'REFUNDED');
      expect(failed).toMatchObject({ status: 'FAILED', failureReason: 'DELIVERY_FAILED', providerErrorCode: 131026, failedAt: isoTime, cost: '0.0200' });
      expect(failed.history).toContainEqual(expect.objectContaining({ status: 'FAILED', source: 'PROVIDER', providerErrorCode: 131026 }));
    });

    it('answers 404 for an unknown id and 400 for something that is not an id', async () => {
      const tenant = await registerTenant(herald);
      const unknown = await rest(herald, 'GET', `/messages/${randomUUID()}`, undefined, bearer(tenant.token));
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('NOT_FOUND');
      expect((await rest(herald, 'GET', '/messages/not-a-uuid', undefined, bearer(tenant.token))).status).toBe(400);
    });
  });
});
