import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHeraldClient } from '../../client-sdk/index.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';

describe('the echo workflow: API → Temporal → worker → PostgreSQL and back', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ worker: true });
  });
  afterAll(() => herald?.close());

  it('runs through the real Temporal server and answers over REST', async () => {
    const response = await rest(herald, 'POST', '/system/echo', { text: 'Hello Herald' });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ text: 'Hello Herald', upper: 'HELLO HERALD', length: 12 });
    // The workflow really ran on the server: it is recorded there as completed.
    const description = await herald.temporal.workflow.getHandle(response.body.workflowId).describe();
    expect(description.status.name).toBe('COMPLETED');
    expect(description.taskQueue).toBe(herald.config.TEMPORAL_TASK_QUEUE);
  });

  it('gives the same result through tRPC (typed client SDK) as through REST', async () => {
    const client = createHeraldClient({ url: herald.url });
    const viaTrpc = await client.system.echo.mutate({ text: 'ünïcode ✓' });
    const viaRest = await rest(herald, 'POST', '/system/echo', { text: 'ünïcode ✓' });

    const { workflowId: trpcWorkflow, ...trpcResult } = viaTrpc;
    const { workflowId: restWorkflow, ...restResult } = viaRest.body;
    expect(restResult).toEqual(trpcResult);
    expect(trpcResult).toEqual({ text: 'ünïcode ✓', upper: 'ÜNÏCODE ✓', length: 9 });
    expect(trpcWorkflow).not.toEqual(restWorkflow);
  });

  it('refuses bad input with 400 on both paths, naming the field', async () => {
    const viaRest = await rest(herald, 'POST', '/system/echo', { text: '' });
    expect(viaRest.status).toBe(400);
    expect(viaRest.body.code).toBe('BAD_REQUEST');
    expect(viaRest.body.data.issues).toEqual([expect.objectContaining({ path: 'text' })]);

    const client = createHeraldClient({ url: herald.url });
    await expect(client.system.echo.mutate({ text: '' })).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST', httpStatus: 400 },
    });
  });
});
