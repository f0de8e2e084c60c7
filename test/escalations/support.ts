// An escalating tenant: a sending tenant with two more people to tell (a nurse, a manager) and a policy.
import { expect } from 'vitest';
import { escalationWorkflowId, type EscalationWorkflowResult } from '../../workflows/shared.ts';
import { bearer } from '../support/actors.ts';
import { rest, type Harness } from '../support/harness.ts';
import { eventually } from '../support/eventually.ts';
import type { SendingTenant } from '../messages/support.ts';

export interface PolicyLevel {
  after: string;
  unless: 'DELIVERED' | 'READ' | 'REPLIED' | 'ACKNOWLEDGED';
  notify: { contactId: string; templateId: string };
}

export async function createPolicy(herald: Harness, tenant: SendingTenant, levels: PolicyLevel[]) {
  const response = await rest(herald, 'POST', '/escalation-policies', { name: 'Unread → nurse → manager', levels }, bearer(tenant.token));
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id as string;
}

/** Polls `GET /messages/{id}` until its escalation satisfies `accept`, returning the message; fails with the last answer when the time is up. */
export function waitForEscalation(herald: Harness, tenant: SendingTenant, id: string, accept: (escalation: any) => boolean, timeoutMs = 30_000): Promise<any> {
  const read = async () => (await rest(herald, 'GET', `/messages/${id}`, undefined, bearer(tenant.token))).body;
  return eventually(read, (message) => Boolean(message.escalation) && accept(message.escalation), { timeoutMs, what: `the escalation of message ${id}` });
}

/**
 * Waits for the root's escalation workflow to end and returns how it ended. An ended escalation fires no
 * level any more: what it sent by then is all it ever sends (a proof that needs no waiting past due times).
 */
export function escalationEnded(herald: Harness, rootId: string): Promise<EscalationWorkflowResult> {
  return herald.temporal.workflow.getHandle(escalationWorkflowId(rootId)).result();
}
