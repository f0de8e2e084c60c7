import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, startTestReconciler, startTestWorker, type Harness } from '../support/harness.ts';
import { balanceOf, ledgerOf, schedule, sendingTenant, waitForMessage } from './support.ts';
import { expectLedgerConsistent } from '../billing/support.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Runs a script as a separate Node process and resolves with its output once it has died or exited. */
function runProcess(script: string, env: Record<string, string>, until?: (output: string) => boolean) {
  return new Promise<{ output: string; signal: NodeJS.Signals | null; code: number | null }>((resolve) => {
    const child = spawn(process.execPath, [script], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (until?.(output)) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk) => (output += chunk));
    // A child that neither dies nor exits is a failure of its own, not a hang of the suite.
    const timer = setTimeout(() => {
      output += '\n[killed by the test after 30 s]';
      child.kill('SIGTERM');
    }, 30_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ output, code, signal });
    });
  });
}

describe('crash safety: money and messages survive processes dying at the worst moment', () => {
  let herald: Harness;
  beforeAll(async () => {
    // No worker in this process at first: the crashes happen in child processes.
    herald = await startHarness();
  });
  afterEach(() => expectLedgerConsistent(herald));
  afterAll(() => herald?.close());

  it('a message stored by an API process that died before starting its workflow is still sent, once', async () => {
    const tenant = await sendingTenant(herald, '1.00');
    const contactId = await tenant.contact('7171');
    const died = await runProcess('test/messages/crash/store-then-die.ts', {
      DATABASE_URL: herald.config.DATABASE_URL!,
      TENANT_ID: tenant.tenantId,
      TEMPLATE_ID: tenant.templateId,
      CONTACT_ID: contactId,
      IDEMPOTENCY_KEY: randomUUID(),
    });
    expect(died.signal, died.output).toBe('SIGKILL');
    const messageId = died.output.trim();
    // The row exists and its workflow does not: exactly the state a crash between the two steps leaves.
    await expect(herald.temporal.workflow.getHandle(`message-${messageId}`).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

    // A worker starting up runs the reconciler, which starts the missing workflow.
    const worker = await startTestWorker(herald.config, herald.orm, herald.sandbox.url);
    const reconciler = startTestReconciler(herald, 1_000);
    try {
      // A stored message counts as orphaned once it is a few seconds old (an API may be mid-schedule).
      const read = await waitForMessage(herald, tenant.token, messageId, (message) => message.status === 'READ', 60_000);
      expect(read).toMatchObject({ status: 'READ', chargeState: 'CHARGED' });
      expect(herald.sandbox.sent.filter((call) => call.wamid === read.providerMessageId)).toHaveLength(1);
      expect((await ledgerOf(herald, tenant.token)).filter((entry: { reason: string }) => entry.reason === 'MESSAGE')).toHaveLength(1);
    } finally {
      reconciler.stop();
      await worker.stop();
    }
  });

  it('a worker killed right after the debit commits: after restart, one debit and one send', async () => {
    const tenant = await sendingTenant(herald, '1.00');
    const scheduled = await schedule(herald, tenant, await tenant.contact('7272'));
    expect(scheduled.status).toBe(201);

    const died = await runProcess('test/messages/crash/worker-dies-after-debit.ts', {
      DATABASE_URL: herald.config.DATABASE_URL!,
      TEMPORAL_ADDRESS: herald.config.TEMPORAL_ADDRESS!,
      TEMPORAL_TASK_QUEUE: herald.config.TEMPORAL_TASK_QUEUE,
      SANDBOX_URL: herald.sandbox.url,
      LOG_LEVEL: 'silent',
    });
    expect(died.signal, died.output).toBe('SIGKILL');
    expect(died.output).toContain(`debited ${scheduled.body.id}`);
    // The debit committed; nothing was sent yet.
    expect(await balanceOf(herald, tenant.token)).toBe('0.9800');
    expect(herald.sandbox.sent.filter((call) => call.to.endsWith('7272'))).toEqual([]);

    // A healthy worker takes over: Temporal retries the debit, which finds its own committed work.
    const worker = await startTestWorker(herald.config, herald.orm, herald.sandbox.url);
    try {
      const read = await waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.status === 'READ', 60_000);
      expect(read).toMatchObject({ status: 'READ', chargeState: 'CHARGED', cost: '0.0200' });
      expect(herald.sandbox.sent.filter((call) => call.to.endsWith('7272'))).toHaveLength(1);
      expect((await ledgerOf(herald, tenant.token)).filter((entry: { reason: string }) => entry.reason === 'MESSAGE')).toHaveLength(1);
      expect(await balanceOf(herald, tenant.token)).toBe('0.9800');
    } finally {
      await worker.stop();
    }
  });
});
