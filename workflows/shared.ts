// Shared by the API, the worker and workflow code: plain constants and definitions only (no Node built-ins).

/** The task queue Herald's worker polls unless TEMPORAL_TASK_QUEUE says otherwise. */
export const DEFAULT_TASK_QUEUE = 'herald';

/** Search attributes Herald registers on the Temporal namespace (both Keyword). */
export const SEARCH_ATTRIBUTES = { tenantId: 'TenantId', messageStatus: 'MessageStatus' } as const;

export interface EchoInput {
  text: string;
}

export interface EchoResult {
  text: string;
  /** Computed by the activity inside PostgreSQL, proving the worker reached the database. */
  upper: string;
  length: number;
}

export const echoWorkflowId = (requestId: string) => `echo-${requestId}`;
