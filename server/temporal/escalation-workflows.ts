// A value import only for `start(escalationWorkflow, …)`: it pulls in @temporalio/workflow, never Node-only code.
import { escalationWorkflow } from '../../workflows/escalation.ts';
import { TENANT_ID_KEY, escalationWakeSignal, escalationWorkflowId } from '../../workflows/shared.ts';
import { escalationPriority } from './priority.ts';
import { ignoringFinished, startOnce, type WorkflowSettings } from './settings.ts';

/** A root message's escalation workflow: it decides when the root's levels go out. */
export interface EscalationWorkflows {
  /** Idempotent: the workflow id derives from the root message's id. */
  start(root: { id: string; tenantId: string }): Promise<void>;
  /** Tells the escalation to decide again now (nothing when the root has none, or it has ended). */
  wake(rootMessageId: string): Promise<void>;
}

export function escalationWorkflows(settings: Pick<WorkflowSettings, 'temporal' | 'taskQueue'>): EscalationWorkflows {
  const { temporal, taskQueue } = settings;
  return {
    start: (root) =>
      startOnce(
        temporal.workflow.start(escalationWorkflow, {
          taskQueue,
          workflowId: escalationWorkflowId(root.id),
          args: [{ rootMessageId: root.id, tenantId: root.tenantId }],
          priority: escalationPriority(root.tenantId),
          typedSearchAttributes: [{ key: TENANT_ID_KEY, value: root.tenantId }],
        }),
      ),
    wake: (rootMessageId) => ignoringFinished(temporal.workflow.getHandle(escalationWorkflowId(rootMessageId)).signal(escalationWakeSignal)),
  };
}
