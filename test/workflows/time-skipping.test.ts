// The message workflow's long waits, run on Temporal's time-skipping test server: the real workflow bundle,
// the real activities on the suite's PostgreSQL, sends over HTTP to a Meta stand-in and the sandbox.
// Hours of workflow time pass in seconds; the tests run one after another, since the clock is shared.
// (The reschedule racing the timer runs on the real server: test/messages/reschedule-race.test.ts says why.)
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { messageWorkflowId, stateQuery, type MessageWorkflowState } from '../../workflows/shared.ts';
import { bearer } from '../support/actors.ts';
import { rest, startHarness, startTestWorker, testConfig, type Harness } from '../support/harness.ts';
import { eventually } from '../support/eventually.ts';
import type { RunningWorker } from '../../server/temporal/worker.ts';
import { balanceOf, ledgerOf, schedule, sendingTenant, waitForMessage, type SendingTenant } from '../messages/support.ts';
import { ALWAYS_THROTTLED, NEVER_REPORTED, startMetaStandIn, type MetaStandIn } from './meta-stand-in.ts';
import { startTimeSkippingServer, type TimeSkippingServer } from './time-skipping-env.ts';
import { expectLedgerConsistent } from '../billing/support.ts';

const HOUR = 3600_000;


describe('message workflows over hours of workflow time (time skipping)', () => {
  let server: TimeSkippingServer;
  let herald: Harness;
  let meta: MetaStandIn;
  let worker: RunningWorker | undefined;
  let tenant: SendingTenant;

  const get = async (id: string) => (await rest(herald, 'GET', `/messages/${id}`, undefined, bearer(tenant.token))).body;
  const handleOf = (id: string) => herald.temporal.workflow.getHandle(messageWorkflowId(id));
  const debitsOf = async (id: string) => (await ledgerOf(herald, tenant.token)).filter((entry: { messageId?: string }) => entry.messageId === id);
  const sandboxSends = (suffix: string) => herald.sandbox.sent.filter((call) => call.to.endsWith(suffix));

  // Not the SDK's time-skipping result(): it lets the server skip until the client locks the clock again, and
  // here that left the clock ten years ahead (past the API's one-year limit); every skip here is bounded instead.
  const resultOf = (id: string) => handleOf(id).result() as Promise<MessageWorkflowState>;

  /** Schedules through the API at a time counted on the server's clock, which runs ahead of the wall clock. */
  async function scheduleIn(ms: number, suffix: string) {
    const contactId = await tenant.contact(suffix);
    const due = new Date((await server.now()) + ms);
    const answer = await schedule(herald, tenant, contactId, { scheduleTime: due.toISOString() });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return { id: answer.body.id as string, due };
  }

  beforeAll(async () => {
    server = await startTimeSkippingServer();
    herald = await startHarness({ config: testConfig({ TEMPORAL_ADDRESS: server.address }) });
    meta = await startMetaStandIn(herald.sandbox.url);
    worker = await startTestWorker(herald.config, herald.orm, meta.url);
    tenant = await sendingTenant(herald, '10.00');
  });
  afterEach(() => expectLedgerConsistent(herald));
  afterAll(async () => {
    await worker?.stop();
    await meta?.close();
    await herald?.close();
    await server?.close();
  });

  it('sends a message scheduled six hours ahead when its time comes, and charges it once', async () => {
    const before = await balanceOf(herald, tenant.token);
    const { id } = await scheduleIn(6 * HOUR, '6006');

    await server.skip(6 * HOUR - 60_000);
    expect(await handleOf(id).query(stateQuery)).toMatchObject({ phase: 'WAITING', status: 'SCHEDULED' });
    expect(sandboxSends('6006')).toHaveLength(0);

    await server.skip(61_000);
    const read = await waitForMessage(herald, tenant.token, id, (message) => message.status === 'READ', 20_000);
    expect(read).toMatchObject({ status: 'READ', chargeState: 'CHARGED' });
    expect(sandboxSends('6006')).toHaveLength(1);
    expect(await debitsOf(id)).toHaveLength(1);
    expect(Number(await balanceOf(herald, tenant.token))).toBeLessThan(Number(before));
  });

  it('ends the workflow after the 72-hour status wait when Meta never reports a status, and the charge stands', async () => {
    const { id } = await scheduleIn(0, NEVER_REPORTED);
    await waitForMessage(herald, tenant.token, id, (message) => message.status === 'SENT', 20_000);
    await server.skip(72 * HOUR - 60_000);
    expect(await handleOf(id).query(stateQuery)).toMatchObject({ phase: 'AWAITING_STATUS', status: 'SENT' });

    await server.skip(61_000);
    expect(await resultOf(id)).toMatchObject({ phase: 'DONE', status: 'SENT', charged: true, refunded: false });
    expect(await get(id)).toMatchObject({ status: 'SENT', chargeState: 'CHARGED' });
    expect(await debitsOf(id)).toHaveLength(1);
    expect(meta.answered.filter((to) => to.endsWith(NEVER_REPORTED))).toHaveLength(1);
  });

  it('fails a message with PROVIDER_UNAVAILABLE and refunds it once when every retry is throttled', async () => {
    const before = await balanceOf(herald, tenant.token);
    const { id } = await scheduleIn(0, ALWAYS_THROTTLED);
    const attempts = () => meta.answered.filter((to) => to.endsWith(ALWAYS_THROTTLED)).length;
    // In wall-clock time: the first attempt runs outside the workflow's clock.
    await eventually(attempts, (count) => count === 1, { intervalMs: 50, what: 'the first send attempt' });
    // Eight attempts, 2 s doubling to a 2-minute ceiling between them: 246 s of backoff after the first.
    await server.skip(240_000);
    expect(attempts()).toBe(7);
    expect(await get(id)).toMatchObject({ status: 'DISPATCHING', chargeState: 'CHARGED' });

    await server.skip(10_000);
    expect(await resultOf(id)).toMatchObject({ phase: 'DONE', status: 'FAILED', charged: true, refunded: true });
    expect(attempts()).toBe(8);
    expect(await get(id)).toMatchObject({ status: 'FAILED', chargeState: 'REFUNDED', failureReason: 'PROVIDER_UNAVAILABLE' });
    const entries = await debitsOf(id);
    expect(entries.map((entry: { reason: string }) => entry.reason).sort()).toEqual(['MESSAGE', 'REFUND']);
    expect(await balanceOf(herald, tenant.token)).toBe(before);
  });
});
