import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError, messageNotFound } from '../../shared/errors.ts';
import { units, type Units } from '../../shared/money.ts';
import { insufficientFundsMessage, ledgerError } from '../billing/ledger.service.ts';
import { countDebit, statusEvents } from '../../metrics.ts';
import { renderTemplate } from '../templates/render.ts';
import type { TemplateCategory } from '../templates/template.entity.ts';
import type { DispatchRefusal } from './dispatch-refusals.ts';
import { failMessage, lockMessage } from './message-rows.ts';

// The debit step of a message's dispatch, called by the workflow's activity (the send is in send.service.ts,
// refunds in settlement.service.ts). Idempotent: run twice (a retried activity, a worker that died after
// committing), it finds its own earlier work and stops.

export type Prices = Record<TemplateCategory, Units>;

export type DebitResult = { ok: true; charged: boolean } | { ok: false; reason: string };

/** What a debit decides on, read in one query without locks; the locked call re-checks what can change. */
interface DispatchFacts {
  status: string;
  charge_state: string;
  failure_reason: string | null;
  parameters: Record<string, string>;
  template_status: string | null;
  content: string;
  variables: string[];
  category: TemplateCategory;
  contact_opted_out: boolean | null;
  phone: string;
  name: string | null;
  attributes: Record<string, string>;
  /** null: the platform number. */
  channel_status: string | null;
  contact_marketing_opted_out: boolean | null;
  /** A UTILITY template and an inbound message from the contact on this channel in the last 24 hours. */
  service_window_open: boolean | null;
}

const readDispatchFacts = async (em: EntityManager, messageId: string): Promise<DispatchFacts | undefined> =>
  (
    await em.execute<DispatchFacts[]>(
      'select * from dispatch_message_facts(?)',
      [messageId],
    )
  )[0];

/** The facts and the tenant's balance as it stands, without a lock (the debit's lock decides). */
const readFactsAndBalance = async (em: EntityManager, messageId: string): Promise<(DispatchFacts & { balance: string }) | undefined> =>
  (
    await em.execute<(DispatchFacts & { balance: string })[]>(
      `select f.*, (select t.balance from message m join tenant t on t.id = m.tenant_id where m.id = ?)::text as balance
       from dispatch_message_facts(?) f`,
      [messageId, messageId],
    )
  )[0];


/** A message past SCHEDULED: its debit happened (or never will), and a retry reports it as stored. */
const settledResult = (status: string, chargeState: string, failureReason: string | null): DebitResult =>
  status === 'FAILED' || status === 'CANCELLED' ? { ok: false, reason: failureReason ?? status } : { ok: true, charged: chargeState === 'CHARGED' };

/** Why a message costs other than its category's price (stored on the message, shown as `priceReason`). */
export type PriceReason = 'FREE_SERVICE_WINDOW';

type Plan = { refuse: DispatchRefusal; detail: string } | { debit: { price: Units; priceReason: PriceReason | null; bodyParameters: string[] } };

/**
 * Whether a SCHEDULED message may be sent and what it costs: its channel active, the template still APPROVED, the
 * contact opted in (out of ALL refuses any template, out of MARKETING a MARKETING one), every parameter known.
 */
function planDispatch(facts: DispatchFacts, prices: Prices): Plan {
  if (facts.channel_status === 'DISABLED') return { refuse: 'CHANNEL_DISABLED', detail: 'the channel is disabled' };
  if (facts.template_status !== 'APPROVED') return { refuse: 'TEMPLATE_NOT_APPROVED', detail: `the template is ${facts.template_status ?? 'gone'}` };
  if (facts.contact_opted_out !== false) return { refuse: 'CONTACT_OPTED_OUT', detail: 'the contact has opted out' };
  if (facts.category === 'MARKETING' && facts.contact_marketing_opted_out) {
    return { refuse: 'CONTACT_OPTED_OUT', detail: 'the contact has stopped marketing messages' };
  }
  const rendered = renderTemplate(
    { content: facts.content, variables: facts.variables },
    { phone: facts.phone, name: facts.name, attributes: facts.attributes },
    facts.parameters,
  );
  if (!rendered.ok) return { refuse: 'MISSING_PARAMETERS', detail: `no value for ${rendered.missing.join(', ')}` };
  // Meta charges nothing for a UTILITY template inside the window the contact opened by writing.
  if (facts.service_window_open) return { debit: { price: units(0), priceReason: 'FREE_SERVICE_WINDOW', bodyParameters: rendered.parameters } };
  return { debit: { price: prices[facts.category], priceReason: null, bodyParameters: rendered.parameters } };
}

/** A refusal fails the message, under its row lock, unless it has left SCHEDULED meanwhile (a cancel, a racing retry). */
async function refuseDispatch(em: EntityManager, messageId: string, reason: DispatchRefusal, detail: string): Promise<DebitResult> {
  return em.transactional(async (tx) => {
    const message = await lockMessage(tx, messageId);
    if (message.status !== 'SCHEDULED') return settledResult(message.status, message.charge_state, message.failure_reason);
    await failMessage(tx, messageId, reason, detail);
    return { ok: false, reason };
  });
}

type DebitCall = {
  outcome: 'DISPATCHED' | 'SETTLED' | 'STALE' | 'MISSING';
  status: string;
  charge_state: string;
  failure_reason: string | null;
  template_status: string | null;
  contact_opted_out: boolean | null;
  contact_marketing_opted_out: boolean | null;
};

/**
 * The debit. Reads the message, template and contact without locks and renders the parameters; then one
 * autocommitted call of `dispatch_message_debit` locks the message, re-checks that it is still SCHEDULED,
 * its template APPROVED and its contact opted in, marks it DISPATCHING with its cost and posts the
 * DEBIT/MESSAGE entry through `post_ledger_entry` last, so the tenant's balance lock lasts one statement.
 * Refusals (the template, the contact, a missing parameter, INSUFFICIENT_FUNDS) fail the message.
 */
export async function debitForDispatch(em: EntityManager, prices: Prices, messageId: string): Promise<DebitResult> {
  const facts = await readDispatchFacts(em, messageId);
  if (!facts) throw messageNotFound(messageId);
  if (facts.status !== 'SCHEDULED') return settledResult(facts.status, facts.charge_state, facts.failure_reason);
  const plan = planDispatch(facts, prices);
  if ('refuse' in plan) return refuseDispatch(em, messageId, plan.refuse, plan.detail);

  const { price, priceReason, bodyParameters } = plan.debit;
  const call = async (alreadyCharged: boolean) =>
    (
      await em.execute<DebitCall[]>('select * from dispatch_message_debit(?, ?, ?, ?::jsonb, ?, ?, ?)', [
        messageId,
        price,
        facts.category,
        JSON.stringify(bodyParameters),
        `Message to ${facts.phone}`,
        alreadyCharged,
        priceReason,
      ])
    )[0]!;
  let answer: DebitCall;
  let charged = price > 0n;
  // Only the entry this call posted is counted: a retry finds the message SETTLED, an earlier entry was counted before.
  let postedHere = true;
  try {
    answer = await call(false);
  } catch (error) {
    const refused = ledgerError(error, price);
    if (!(refused instanceof AppError)) throw refused;
    if (refused.reason === 'INSUFFICIENT_FUNDS') return refuseDispatch(em, messageId, 'INSUFFICIENT_FUNDS', refused.message);
    // This message's debit exists already (posted outside a dispatch): it is charged, so it proceeds.
    if (refused.reason !== 'ALREADY_POSTED') throw refused;
    answer = await call(true);
    charged = true;
    postedHere = false;
  }
  if (answer.outcome === 'MISSING') throw messageNotFound(messageId);
  if (answer.outcome === 'SETTLED') return settledResult(answer.status, answer.charge_state, answer.failure_reason);
  if (answer.outcome === 'STALE') {
    const stale = planDispatch(
      {
        ...facts,
        template_status: answer.template_status,
        contact_opted_out: answer.contact_opted_out,
        contact_marketing_opted_out: answer.contact_marketing_opted_out,
      },
      prices,
    );
    // Changed back already (re-approved, opted in again): decide afresh from what is stored now.
    return 'refuse' in stale ? refuseDispatch(em, messageId, stale.refuse, stale.detail) : debitForDispatch(em, prices, messageId);
  }
  if (postedHere && price > 0n) countDebit(price);
  // dispatch_message_debit appended the DISPATCHING event itself, outside recordEvent.
  statusEvents.inc({ status: 'DISPATCHING', source: 'WORKFLOW' });
  return { ok: true, charged };
}

/**
 * The dispatch checks before a message takes a send slot of its number: the debit's own plan (channel, template,
 * consent, parameters) and funds for its price, read without locks. A refusal fails the message as the debit's
 * does, so a message that will fail delays nobody's; the locked debit after the slot decides again.
 */
export async function checkBeforeSlot(em: EntityManager, prices: Prices, messageId: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  const facts = await readFactsAndBalance(em, messageId);
  if (!facts) throw messageNotFound(messageId);
  if (facts.status !== 'SCHEDULED') return settledResult(facts.status, facts.charge_state, facts.failure_reason);
  const plan = planDispatch(facts, prices);
  if ('refuse' in plan) return refuseDispatch(em, messageId, plan.refuse, plan.detail);
  const balance = units(facts.balance);
  if (balance < plan.debit.price) return refuseDispatch(em, messageId, 'INSUFFICIENT_FUNDS', insufficientFundsMessage(balance, plan.debit.price));
  return { ok: true };
}
