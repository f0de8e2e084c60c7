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
    expect(histories.map((recorded) => recorded.file)).toEqual(
      expect.arrayContaining(['v1-read.json', 'v2-read.json', 'v2-continued-as-new-first-run.json', 'v3-read-before-wamid-stored.json', 'v5-paced-by-governor.json', 'v6-read.json', 'v6-refused-before-slot.json']),
    );
    const outcomes: Record<string, string> = {};
    let index = 0;
    // One result per history, in the order given.
    for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
      outcomes[histories[index++]!.file] = result.error ? String(result.error) : 'ok';
    }
    expect(outcomes).toEqual(Object.fromEntries(histories.map((recorded) => [recorded.file, 'ok'])));
  });
});
