import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';

/** Where and how Herald's workflows run; built once per process and given to every workflow client. */
export interface WorkflowSettings {
  temporal: Client;
  taskQueue: string;
  /** How long a sent message's workflow waits for a final delivery status. */
  statusWaitMs: number;
}

/** A workflow start that may find its workflow already running: the id is the business key, so that is success. */
export async function startOnce(start: Promise<unknown>): Promise<void> {
  try {
    await start;
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

/** A signal to a workflow that may have ended: then there is no one left to tell. */
export async function ignoringFinished(signal: Promise<void>): Promise<void> {
  try {
    await signal;
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
}
