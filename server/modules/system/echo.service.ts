import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { echoWorkflowId, type EchoResult } from '../../../workflows/shared.ts';

/** Runs the echo workflow to completion; the platform's end-to-end proof that Temporal and the worker answer. */
export async function runEcho(
  temporal: Client,
  taskQueue: string,
  text: string,
): Promise<EchoResult & { workflowId: string }> {
  const workflowId = echoWorkflowId(randomUUID());
  const result = await temporal.workflow.execute('echoWorkflow', {
    taskQueue,
    workflowId,
    args: [{ text }],
    workflowExecutionTimeout: '30 seconds',
  });
  return { ...(result as EchoResult), workflowId };
}
