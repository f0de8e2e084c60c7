// The message workflow's long waits, run on Temporal's time-skipping test server: the real workflow bundle,
// the real activities on the suite's PostgreSQL, sends over HTTP to a Meta stand-in and the sandbox.
// Hours of workflow time pass in seconds; the tests run one after another, since the clock is shared.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { messageWorkflowId, stateQuery, type MessageWorkflowState } from '../../workflows/shared.ts';
import { bearer } from '../support/actors.ts';
import { rest, startHarness, startTestWorker, testConfig, type Harness } from '../support/harness.ts';
import type { RunningWorker } from '../../server/temporal/worker.ts';
import { balanceOf, expectLedgerConsistent, ledgerOf, schedule, sendingTenant, waitForMessage, type SendingTenant } from '../messages/support.ts';
import { ALWAYS_THROTTLED, NEVER_REPORTED, startMetaStandIn, type MetaStandIn } from './meta-stand-in.ts';
import { startTimeSkippingServer, type TimeSkippingServer } from './time-skipping-env.ts';

const HOUR = 3600_000;

describe('message workflows over hours of workflow time (time skipping)', () => {
  let server: TimeSkippingServer;
  let herald: Harness;
  let meta: MetaStandIn;
  let worker: RunningWorker | undefined;
  let tenant: SendingTenant;

  const startWorker = async () => {
    worker = await startTestWorker(herald.config, herald.orm, meta.url);
  };
  const stopWorker = async () => {
    await worker?.stop();
    worker = undefined;
  };
  const get = async (id: string) => (await rest(herald, 'GET', `/messages/${id}`, undefined, bearer(tenant.token))).body;
  const handleOf = (id: string) => server.workflow.getHandle(messageWorkflowId(id));
  const debitsOf = async (id: string) => (await ledgerOf(herald, tenant.token)).filter((entry: { messageId?: string }) => entry.messageId === id);
  const sandboxSends = (suffix: string) => herald.sandbox.sent.filter((call) => call.to.endsWith(suffix));

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
    await startWorker();
    tenant = await sendingTenant(herald, '10.00');
  });
  afterEach(() => expectLedgerConsistent(herald));
  afterAll(async () => {
    await stopWorker();
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
    const started = await server.now();
    const result = await server.workflow.result<MessageWorkflowState>(messageWorkflowId(id));

    expect(result).toMatchObject({ phase: 'DONE', status: 'SENT', charged: true, refunded: false });
    expect((await server.now()) - started).toBeGreaterThanOrEqual(72 * HOUR);
    expect(await get(id)).toMatchObject({ status: 'SENT', chargeState: 'CHARGED' });
    expect(await debitsOf(id)).toHaveLength(1);
    expect(meta.answered.filter((to) => to.endsWith(NEVER_REPORTED))).toHaveLength(1);
  });
});
