// Every recorded history (old versions included) must replay against today's workflow code: a change
// that would break workflows in flight fails here, before it reaches a worker.
import { Worker } from '@temporalio/worker';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { installTemporalLogging } from '../../server/temporal/logging.ts';
import { workflowBundle } from '../support/harness.ts';
import { loadHistories } from './histories.ts';

describe('message workflow histories replay against the current code', () => {
  it('replays every recorded history without a nondeterminism error', { timeout: 120_000 }, async () => {
    installTemporalLogging(pino({ level: 'silent' }));
    const histories = await loadHistories();
    expect(histories.length).toBeGreaterThanOrEqual(5);
    const outcomes: Record<string, string> = {};
    const byWorkflowId = new Map(histories.map((recorded) => [recorded.workflowId, recorded.file]));
    expect(byWorkflowId.size, 'each recorded history has its own workflow id').toBe(histories.length);
    for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
      outcomes[byWorkflowId.get(result.workflowId)!] = result.error ? String(result.error) : 'ok';
    }
    expect(outcomes).toEqual(Object.fromEntries(histories.map((recorded) => [recorded.file, 'ok'])));
  });
});
