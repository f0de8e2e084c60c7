// Shared by the API, the worker and workflow code: plain constants and definitions only (no Node built-ins).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { MessageStatus } from '../server/modules/messages/status-rules.ts';

/** Search attributes Herald registers on the Temporal namespace (all Keyword). */
export const SEARCH_ATTRIBUTES = { tenantId: 'TenantId', messageStatus: 'MessageStatus', campaignId: 'CampaignId' } as const;

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

// --- The message workflow: one per scheduled message -------------------------------------------

export const TENANT_ID_KEY = defineSearchAttributeKey(SEARCH_ATTRIBUTES.tenantId, SearchAttributeType.KEYWORD);
export const MESSAGE_STATUS_KEY = defineSearchAttributeKey(SEARCH_ATTRIBUTES.messageStatus, SearchAttributeType.KEYWORD);
export const CAMPAIGN_ID_KEY = defineSearchAttributeKey(SEARCH_ATTRIBUTES.campaignId, SearchAttributeType.KEYWORD);

// A message's workflow id comes from its id: the database computes it when it inserts the row, and the
// API and tests find the workflow by it, so both forms are built here from one prefix.
const MESSAGE_WORKFLOW_PREFIX = 'message-';
export const messageWorkflowId = (messageId: string) => `${MESSAGE_WORKFLOW_PREFIX}${messageId}`;
/** messageWorkflowId as SQL, over an SQL expression of the message's id. */
export const messageWorkflowIdSql = (messageIdSql: string) => `'${MESSAGE_WORKFLOW_PREFIX}' || ${messageIdSql}`;

export interface MessageWorkflowInput {
  messageId: string;
  tenantId: string;
  /** The channel it goes out on (null: the platform number); for operators, the send reads it from the database. */
  channelId?: string | null;
  /** ISO 8601 UTC; the durable timer fires then (a past time means now). */
  scheduleTime: string;
  /** How long to wait for a terminal delivery status after the send before the charge simply stands. */
  statusWaitMs: number;
  /** Overrides of the send step's timeouts (tests shorten them); message.ts holds the defaults. */
  sendTimeouts?: Partial<SendTimeouts>;
  /** Reschedules one run takes before it continues as new, bounding its history (default in message.ts). */
  rescheduleLimit?: number;
  /** Its campaign: when due, the message passes the campaign's gate (a paused campaign holds it) first. */
  campaignId?: string | null;
}

export interface SendTimeouts {
  /** Start-to-close timeout of one send attempt. */
  attemptMs: number;
  /** How long Temporal waits for a heartbeat before it treats the attempt's worker as dead. */
  heartbeatMs: number;
  /** The send claim's lease: no other attempt calls WhatsApp for the message while it runs. */
  leaseMs: number;
}

/** A delivery status from Meta's webhook, passed on by the API. */
export interface ProviderStatusSignal {
  status: 'sent' | 'delivered' | 'read' | 'failed';
  /** ISO 8601 time Meta gives for the status. */
  timestamp: string;
  errorCode?: number;
}

export type WorkflowPhase = 'WAITING' | 'DISPATCHING' | 'AWAITING_STATUS' | 'DONE';

export interface MessageWorkflowState {
  phase: WorkflowPhase;
  status: MessageStatus;
  scheduleTime: string;
  charged: boolean;
  refunded: boolean;
}

/** The reason an update is refused once the timer has fired (the API answers 409). */
export const TOO_LATE = 'TOO_LATE';

export const cancelUpdate = defineUpdate<void>('cancel');
export const rescheduleUpdate = defineUpdate<void, [scheduleTime: string]>('reschedule');
export const providerStatusSignal = defineSignal<[ProviderStatusSignal]>('providerStatus');
export const stateQuery = defineQuery<MessageWorkflowState>('state');

// --- Escalations: one workflow per root message scheduled with a policy --------------------------

export const escalationWorkflowId = (rootMessageId: string) => `escalation-${rootMessageId}`;

export interface EscalationWorkflowInput {
  rootMessageId: string;
  tenantId: string;
}

export interface EscalationWorkflowResult {
  state: 'PENDING' | 'RESOLVED' | 'EXHAUSTED' | 'CANCELLED' | null;
}

/** Something about the root changed (a status, a reply, an acknowledgement): decide again now. */
export const escalationWakeSignal = defineSignal('escalationWake');

// --- Campaigns: one workflow per campaign creates its messages and follows them to the end ----------

export const campaignWorkflowId = (campaignId: string) => `campaign-${campaignId}`;

export interface CampaignWorkflowInput {
  campaignId: string;
  tenantId: string;
  /** Recipients up to this number have their messages (continue-as-new carries it over). */
  afterSeq?: number;
  /** All messages exist: the run only follows the campaign (continue-as-new carries it over). */
  created?: boolean;
  /** Recipients per batch (default in campaign.ts). */
  batchSize?: number;
  /** How often the run looks at its messages' progress when nothing wakes it (default in campaign.ts). */
  pollMs?: number;
}

export interface CampaignWorkflowResult {
  status: 'COMPLETED' | 'CANCELLED';
}

/** The campaign was paused, resumed or cancelled: look at it now. */
export const campaignChangedSignal = defineSignal('campaignChanged');
/** To a message held at its campaign's gate: the campaign may go on, ask the gate again. */
export const campaignGateSignal = defineSignal('campaignGate');
