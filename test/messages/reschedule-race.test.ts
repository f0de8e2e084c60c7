// A reschedule whose database write is still running when the old due instant passes, on the real Temporal
// server. (Temporal's Java time-skipping server 1.37 refuses a workflow task that completes an update beside a
// local activity's marker, "invalid history builder state for action", so this race runs here in real time.)
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { messageWorkflowId, stateQuery } from '../../workflows/shared.ts';
import { bearer } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { ledgerOf, schedule, sendingTenant, waitForMessage } from './support.ts';
import { expectLedgerConsistent } from '../billing/support.ts';

const WAITING_RESCHEDULE_WRITES =
  "select count(*) from pg_stat_activity where wait_event_type = 'Lock' and query like 'update message set schedule_time%'";

describe('a reschedule racing the timer', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ worker: true });
  });
  afterEach(() => expectLedgerConsistent(herald));
  afterAll(() => herald?.close());

  it('keeps a reschedule whose write is still running when the old timer fires, and sends once at the new time', async () => {
    const tenant = await sendingTenant(herald, '1.00');
    const contactId = await tenant.contact('7117');
    const due = new Date(Date.now() + 3_000);
    const scheduled = await schedule(herald, tenant, contactId, { scheduleTime: due.toISOString() });
    expect(scheduled.status).toBe(201);
    const id: string = scheduled.body.id;
    const handle = herald.temporal.workflow.getHandle(messageWorkflowId(id));

    // The reschedule's database write waits behind this row lock while the old due instant passes.
    const blocker = new pg.Client({ connectionString: inject('databaseUrl') });
    await blocker.connect();
    const later = new Date(due.getTime() + 4_000).toISOString();
    let answer: ReturnType<typeof rest>;
    try {
      await blocker.query('begin');
      await blocker.query('select 1 from message where id = $1 for update', [id]);
      answer = rest(herald, 'POST', `/messages/${id}/reschedule`, { scheduleTime: later }, bearer(tenant.token));
      await expect.poll(async () => Number((await herald.orm.em.fork().execute(WAITING_RESCHEDULE_WRITES))[0]?.count), { timeout: 10_000 }).toBe(1);
      expect(Date.now()).toBeLessThan(due.getTime());
      await new Promise((resolve) => setTimeout(resolve, due.getTime() + 1_000 - Date.now()));
    } finally {
      await blocker.query('commit');
      await blocker.end();
    }

    const moved = await answer;
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body).toMatchObject({ status: 'SCHEDULED', scheduleTime: later });
    expect(await handle.query(stateQuery)).toMatchObject({ phase: 'WAITING', status: 'SCHEDULED', scheduleTime: later });
    expect(herald.sandbox.sent.filter((call) => call.to.endsWith('7117'))).toHaveLength(0);

    const read = await waitForMessage(herald, tenant.token, id, (message) => message.status === 'READ', 20_000);
    expect(read).toMatchObject({ status: 'READ', chargeState: 'CHARGED', scheduleTime: later });
    expect(new Date(read.sentAt).getTime()).toBeGreaterThanOrEqual(new Date(later).getTime());
    expect(herald.sandbox.sent.filter((call) => call.to.endsWith('7117'))).toHaveLength(1);
    expect((await ledgerOf(herald, tenant.token)).filter((entry: { messageId?: string }) => entry.messageId === id)).toHaveLength(1);
  });
});
