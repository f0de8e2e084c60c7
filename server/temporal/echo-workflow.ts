import { randomUUID } from 'node:crypto';
// A value import only for `execute(echoWorkflow, …)`: it pulls in @temporalio/workflow, never Node-only code.
import { echoWorkflow } from '../../workflows/echo.ts';
import { echoWorkflowId, type EchoResult } from '../../workflows/shared.ts';
import type { WorkflowSettings } from './settings.ts';

export type RunEcho = (text: string) => Promise<EchoResult & { workflowId: string }>;

/** Runs the echo workflow to completion: the platform's end-to-end proof that Temporal and the worker answer. */
export function echoRunner({ temporal, taskQueue }: Pick<WorkflowSettings, 'temporal' | 'taskQueue'>): RunEcho {
  return async (text) => {
    const workflowId = echoWorkflowId(randomUUID());
    const result = await temporal.workflow.execute(echoWorkflow, {
      taskQueue,
      workflowId,
      args: [{ text }],
      workflowExecutionTimeout: '30 seconds',
    });
    return { ...result, workflowId };
  };
}
