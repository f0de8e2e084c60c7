import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHeraldClient } from '../../client-sdk/index.ts';
import { ECHO_CALLS_PER_MINUTE } from '../../server/modules/system/echo.procedure.ts';
import { bearer, registerTenant, superAdmin, type Actor } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';

describe('the echo workflow: API → Temporal → worker → PostgreSQL and back', () => {
  let herald: Harness;
  let operator: Actor;
  beforeAll(async () => {
    herald = await startHarness({ worker: true });
    operator = await superAdmin(herald);
  });
  afterAll(() => herald?.close());

  it('runs through the real Temporal server and answers over REST', async () => {
    const response = await rest(herald, 'POST', '/system/echo', { text: 'Hello Herald' }, bearer(operator.token));

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ text: 'Hello Herald', upper: 'HELLO HERALD', length: 12 });
    // The workflow really ran on the server: it is recorded there as completed.
    const description = await herald.temporal.workflow.getHandle(response.body.workflowId).describe();
    expect(description.status.name).toBe('COMPLETED');
    expect(description.taskQueue).toBe(herald.config.TEMPORAL_TASK_QUEUE);
  });

  it('gives the same result through tRPC (typed client SDK) as through REST', async () => {
    const client = createHeraldClient({ url: herald.url, token: operator.token });
    const viaTrpc = await client.system.echo.mutate({ text: 'ünïcode ✓' });
    const viaRest = await rest(herald, 'POST', '/system/echo', { text: 'ünïcode ✓' }, bearer(operator.token));

    const { workflowId: trpcWorkflow, ...trpcResult } = viaTrpc;
    const { workflowId: restWorkflow, ...restResult } = viaRest.body;
    expect(restResult).toEqual(trpcResult);
    expect(trpcResult).toEqual({ text: 'ünïcode ✓', upper: 'ÜNÏCODE ✓', length: 9 });
    expect(trpcWorkflow).not.toEqual(restWorkflow);
  });

  it('refuses bad input with 400 on both paths, naming the field', async () => {
    const viaRest = await rest(herald, 'POST', '/system/echo', { text: '' }, bearer(operator.token));
    expect(viaRest.status).toBe(400);
    expect(viaRest.body.code).toBe('BAD_REQUEST');
    expect(viaRest.body.data.issues).toEqual([expect.objectContaining({ path: 'text' })]);

    const client = createHeraldClient({ url: herald.url, token: operator.token });
    await expect(client.system.echo.mutate({ text: '' })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST', httpStatus: 400 },
    });
  });

  it('starts nothing for anyone but the platform operator: 401 anonymous, 403 for a tenant ADMIN', async () => {
    const anonymous = await rest(herald, 'POST', '/system/echo', { text: 'hi' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('UNAUTHORIZED');

    const admin = await registerTenant(herald);
    const tenantCall = await rest(herald, 'POST', '/system/echo', { text: 'hi' }, bearer(admin.token));
    expect(tenantCall.status).toBe(403);
    expect(tenantCall.body.code).toBe('FORBIDDEN');

    const anonymousBatch = await rest(herald, 'POST', '/trpc/system.echo,system.echo?batch=1', { 0: { text: 'a' }, 1: { text: 'b' } });
    const statuses = anonymousBatch.body.map((item: { error?: { data: { httpStatus: number } } }) => item.error?.data.httpStatus);
    expect(statuses).toEqual([401, 401]);
  });

  it(`runs at most ${ECHO_CALLS_PER_MINUTE} echoes per operator per minute, counting each call of a batch`, async () => {
    const busy = await superAdmin(herald);
    const calls = ECHO_CALLS_PER_MINUTE + 6;
    const paths = Array.from({ length: calls }, () => 'system.echo').join(',');
    const input = Object.fromEntries(Array.from({ length: calls }, (_, i) => [String(i), { text: `call ${i}` }]));
    const batch = await rest(herald, 'POST', `/trpc/${paths}?batch=1`, input, bearer(busy.token));

    const statuses = batch.body.map((item: { error?: { data: { httpStatus: number } } }) => item.error?.data.httpStatus ?? 200);
    expect(statuses.filter((status: number) => status === 200)).toHaveLength(ECHO_CALLS_PER_MINUTE);
    expect(statuses.filter((status: number) => status === 429)).toHaveLength(6);
    expect(Number(batch.headers.get('retry-after'))).toBeGreaterThan(0);

    const overRest = await rest(herald, 'POST', '/system/echo', { text: 'one more' }, bearer(busy.token));
    expect(overRest.status).toBe(429);
    expect(overRest.body).toMatchObject({ code: 'TOO_MANY_REQUESTS', data: { reason: 'RATE_LIMITED' } });
    expect(Number(overRest.headers.get('retry-after'))).toBeGreaterThan(0);
    // The limit is per operator: another one is unaffected.
    expect((await rest(herald, 'POST', '/system/echo', { text: 'still fine' }, bearer(operator.token))).status).toBe(200);
  });
});
