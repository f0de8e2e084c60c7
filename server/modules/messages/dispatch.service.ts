import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../shared/errors.ts';
import type { Units } from '../../shared/money.ts';
import { postEntry } from '../billing/ledger.service.ts';
import { renderTemplate } from '../templates/render.ts';
import type { TemplateCategory } from '../templates/template.entity.ts';
import { failMessage, lockMessage } from './message-rows.ts';
import { recordEvent } from './status-history.ts';

// The debit step of a message's dispatch, called by the workflow's activity (the send is in send.service.ts,
// refunds in settlement.service.ts). Idempotent: run twice (a retried activity, a worker that died after
// committing), it finds its own earlier work and stops.

type Row = Record<string, any>;
export type Prices = Record<TemplateCategory, Units>;

export type DebitResult = { ok: true; charged: boolean } | { ok: false; reason: string };

/**
 * The debit, in one transaction: lock the message row, re-check that the template is still APPROVED and
 * the contact still opted in, render the parameters, then post the DEBIT/MESSAGE entry (which locks the
 * tenant's balance row and checks funds) and mark the message DISPATCHING with its cost.
 */
export async function debitForDispatch(em: EntityManager, prices: Prices, messageId: string): Promise<DebitResult> {
  return em.transactional(async (tx) => {
    const message = await lockMessage(tx, messageId);
    if (message.status === 'FAILED' || message.status === 'CANCELLED') return { ok: false, reason: message.failure_reason ?? message.status };
    if (message.status !== 'SCHEDULED') return { ok: true, charged: message.charge_state === 'CHARGED' };

    const [template] = await tx.execute<Row[]>('select * from template where id = ? and tenant_id = ?', [message.template_id, message.tenant_id]);
    const [contact] = await tx.execute<Row[]>('select * from contact where id = ? and tenant_id = ?', [message.contact_id, message.tenant_id]);
    const refuse = async (reason: string, detail: string) => {
      await failMessage(tx, messageId, reason, detail);
      return { ok: false as const, reason };
    };
    if (!template || template.status !== 'APPROVED') return refuse('TEMPLATE_NOT_APPROVED', `the template is ${template?.status ?? 'gone'}`);
    if (!contact || contact.opted_out) return refuse('CONTACT_OPTED_OUT', 'the contact has opted out');
    const rendered = renderTemplate(
      { content: template.content, variables: template.variables },
      { phone: contact.phone, name: contact.name, attributes: contact.attributes },
      message.parameters,
    );
    if (!rendered.ok) return refuse('MISSING_PARAMETERS', `no value for ${rendered.missing.join(', ')}`);

    const price = prices[template.category as TemplateCategory];
    let charged = false;
    if (price > 0n) {
      try {
        await postEntry(tx, { tenantId: message.tenant_id, type: 'DEBIT', reason: 'MESSAGE', amount: price, messageId, description: `Message to ${contact.phone}` });
        charged = true;
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        if (error.reason === 'INSUFFICIENT_FUNDS') return refuse('INSUFFICIENT_FUNDS', error.message);
        if (error.reason !== 'ALREADY_POSTED') throw error;
        charged = true;
      }
    }
    await tx.execute(
      `update message set status = 'DISPATCHING', charge_state = ?, cost = ?, category = ?, body_parameters = ?::jsonb, updated_at = now()
       where id = ?`,
      [charged ? 'CHARGED' : 'NONE', price, template.category, JSON.stringify(rendered.parameters), messageId],
      'run',
    );
    await recordEvent(tx, messageId, 'DISPATCHING', 'WORKFLOW');
    return { ok: true, charged };
  });
}
