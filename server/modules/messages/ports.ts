// What the messages domain needs from the workflow engine, declared here as types: server/temporal/ implements
// them and the API and the worker build them once, so no service imports the Temporal adapter.
import type { ProviderStatusSignal } from '../../../workflows/shared.ts';

/** What became of a cancel or reschedule: the workflow alone knows whether its timer has fired. */
export type UpdateOutcome = 'applied' | 'too-late' | 'finished';

export interface MessageToStart {
  id: string;
  tenantId: string;
  workflowId: string;
  scheduleTime: Date;
  channelId?: string | null | undefined;
  /** Set for a root message with an escalation: its escalation workflow starts with it. */
  escalationPolicyId?: string | null | undefined;
  /** Set for a campaign's message: it passes the campaign's gate when due, and carries the CampaignId attribute. */
  campaignId?: string | null | undefined;
}

/** Message workflows as the domain drives them: start, cancel, reschedule and signal. */
export interface MessageWorkflows {
  /** Idempotent: the workflow id derives from the message id, so a second start finds the first. */
  start(message: MessageToStart): Promise<void>;
  cancel(workflowId: string): Promise<UpdateOutcome>;
  reschedule(workflowId: string, scheduleTime: Date): Promise<UpdateOutcome>;
  /** False when the workflow has already finished (the status is then only recorded). */
  signalStatus(workflowId: string, signal: ProviderStatusSignal): Promise<boolean>;
  /** Tells a root's escalation to decide again now (nothing when it has none, or it has ended). */
  wakeEscalation(rootMessageId: string): Promise<void>;
  /** Wakes a campaign's message held at its gate, to ask it again (nothing when its workflow has ended). */
  releaseFromGate(workflowId: string): Promise<void>;
}
