import { Migration } from '@mikro-orm/migrations';

/**
 * Money moves in one statement. `post_ledger_entry` is the only way an entry is posted: it locks the tenant
 * row, applies every ledger rule and appends the entry, so a caller holds the balance lock for one statement
 * instead of a transaction of round trips. `dispatch_message_debit` is the dispatch's debit in one call: it
 * locks the message, re-checks it, marks it DISPATCHING and posts the debit last, so the tenant's lock is
 * taken last. Refusals are raised with their own SQLSTATE (class HL) and the reason as HINT; the service
 * maps them back to its errors (ledger.service.ts). Queries on partial indexes name their constant
 * (reason = 'MESSAGE'…) so PL/pgSQL's cached generic plans still use those indexes.
 */
export class Migration20261127120000_ledger_functions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create function post_ledger_entry(
        p_id uuid, p_tenant_id uuid, p_type text, p_reason text, p_amount bigint, p_message_id uuid, p_refund_of uuid,
        p_description text, p_created_by uuid, p_idempotency_key text, p_request_hash text
      ) returns table (entry ledger_entry, replayed boolean) language plpgsql as $$
      declare
        v_before bigint;
        v_after numeric;
        v_row ledger_entry;
      begin
        if p_amount is null or p_amount <= 0 then
          raise exception 'A ledger amount must be positive' using errcode = 'HL005', hint = 'INVALID_AMOUNT';
        end if;
        -- The tenant row alone (no joins), so the row lock is valid; NO KEY UPDATE leaves the FOR KEY SHARE
        -- locks of inserts referencing the tenant (contacts, templates, messages) free to proceed.
        select balance into v_before from tenant where id = p_tenant_id for no key update;
        if not found then
          raise exception 'Tenant not found' using errcode = 'HL001', hint = 'TENANT_NOT_FOUND';
        end if;
        -- Under the lock, so a racing identical request finds the first one's committed entry.
        if p_idempotency_key is not null then
          select * into v_row from ledger_entry
            where tenant_id = p_tenant_id and idempotency_key = p_idempotency_key and idempotency_key is not null;
          if found then
            return query select v_row, true;
            return;
          end if;
        end if;
        -- A repeated debit or refund is reported as such even when the balance no longer covers it.
        if (p_reason = 'MESSAGE' and exists (select 1 from ledger_entry where reason = 'MESSAGE' and message_id = p_message_id))
          or (p_reason = 'REFUND' and exists (select 1 from ledger_entry where reason = 'REFUND' and message_id = p_message_id))
          or (p_reason = 'REFUND' and exists (select 1 from ledger_entry where refund_of = p_refund_of and refund_of is not null)) then
          raise exception 'This ledger entry was already posted' using errcode = 'HL004', hint = 'ALREADY_POSTED';
        end if;
        v_after := v_before::numeric + case when p_type = 'CREDIT' then p_amount else -p_amount end;
        if v_after < 0 then
          raise exception 'Insufficient funds' using errcode = 'HL002', hint = 'INSUFFICIENT_FUNDS', detail = v_before::text;
        end if;
        if v_after > 9223372036854775807 then
          raise exception 'The balance would exceed what Herald can hold' using errcode = 'HL003', hint = 'BALANCE_LIMIT';
        end if;
        update tenant set balance = v_after where id = p_tenant_id;
        insert into ledger_entry (id, tenant_id, type, reason, amount, balance_after, message_id, refund_of, description, created_by,
            idempotency_key, request_hash)
          values (p_id, p_tenant_id, p_type, p_reason, p_amount, v_after, p_message_id, p_refund_of, p_description, p_created_by,
            p_idempotency_key, p_request_hash)
          returning * into v_row;
        return query select v_row, false;
      end;
      $$;`);

    // What a debit decides on, read without locks. A PL/pgSQL function keeps the join's plan cached per
    // connection; sent as a plain statement, planning it cost more than running it.
    this.addSql(`
      create function dispatch_message_facts(p_message_id uuid)
      returns table (status text, charge_state text, failure_reason text, parameters jsonb, template_status text, content text,
        variables jsonb, category text, contact_opted_out boolean, phone text, name text, attributes jsonb)
      language plpgsql stable as $$
      #variable_conflict use_column
      begin
        return query
          select m.status::text, m.charge_state::text, m.failure_reason::text, m.parameters, t.status::text, t.content, t.variables,
            t.category::text, c.opted_out, c.phone::text, c.name::text, c.attributes
          from message m
          left join template t on t.id = m.template_id and t.tenant_id = m.tenant_id
          left join contact c on c.id = m.contact_id and c.tenant_id = m.tenant_id
          where m.id = p_message_id;
      end;
      $$;`);

    // Outcomes: DISPATCHED (charged or not), SETTLED (no longer SCHEDULED: its status is returned), STALE (the
    // template or contact no longer allows the send: their state is returned, nothing is written) and MISSING.
    this.addSql(`
      create function dispatch_message_debit(
        p_message_id uuid, p_price bigint, p_category text, p_body_parameters jsonb, p_description text, p_already_charged boolean
      ) returns table (outcome text, status text, charge_state text, failure_reason text, template_status text, contact_opted_out boolean)
      language plpgsql as $$
      #variable_conflict use_column
      declare
        v_message record;
        v_template_status text;
        v_opted_out boolean;
        v_charge boolean := p_price > 0;
      begin
        select m.tenant_id, m.template_id, m.contact_id, m.status, m.charge_state, m.failure_reason into v_message
          from message m where m.id = p_message_id for no key update;
        if not found then
          return query select 'MISSING', null::text, null::text, null::text, null::text, null::boolean;
          return;
        end if;
        if v_message.status <> 'SCHEDULED' then
          return query select 'SETTLED', v_message.status::text, v_message.charge_state::text, v_message.failure_reason::text, null::text, null::boolean;
          return;
        end if;
        select t.status into v_template_status from template t where t.id = v_message.template_id and t.tenant_id = v_message.tenant_id;
        select c.opted_out into v_opted_out from contact c where c.id = v_message.contact_id and c.tenant_id = v_message.tenant_id;
        if v_template_status is distinct from 'APPROVED' or v_opted_out is distinct from false then
          return query select 'STALE', null::text, null::text, null::text, v_template_status, v_opted_out;
          return;
        end if;
        update message m set status = 'DISPATCHING', charge_state = case when v_charge or p_already_charged then 'CHARGED' else 'NONE' end,
            cost = p_price, category = p_category, body_parameters = p_body_parameters, updated_at = now()
          where m.id = p_message_id;
        insert into message_status_event (id, message_id, status, occurred_at, source)
          values (gen_random_uuid(), p_message_id, 'DISPATCHING', now(), 'WORKFLOW');
        -- Last, so the tenant's balance lock is held only until this statement commits; a refusal raised here
        -- undoes the lines above with it.
        if v_charge and not p_already_charged then
          perform post_ledger_entry(gen_random_uuid(), v_message.tenant_id, 'DEBIT', 'MESSAGE', p_price, p_message_id, null,
            p_description, null, null, null);
        end if;
        return query select 'DISPATCHED', 'DISPATCHING'::text, null::text, null::text, null::text, null::boolean;
      end;
      $$;`);
  }

  override async down(): Promise<void> {
    this.addSql('drop function if exists dispatch_message_facts(uuid);');
    this.addSql('drop function if exists dispatch_message_debit(uuid, bigint, text, jsonb, text, boolean);');
    this.addSql('drop function if exists post_ledger_entry(uuid, uuid, text, text, bigint, uuid, uuid, text, uuid, text, text);');
  }
}
