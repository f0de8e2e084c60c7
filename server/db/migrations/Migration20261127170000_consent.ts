import { Migration } from '@mikro-orm/migrations';

/**
 * Consent and the real price of a message. A contact's two opt-out flags stay its current state (opted_out: out
 * of everything; marketing_opted_out: out of marketing); every change is appended to contact_consent_event with
 * its source and time. A UTILITY message dispatched inside the contact's 24-hour customer-service window on its
 * channel costs nothing (price_reason says why); Meta's word that a message is not billable is kept on the
 * message (provider_billable), the evidence its refund is decided on.
 */
export class Migration20261127170000_consent extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table contact_consent_event (
        id uuid primary key,
        tenant_id uuid not null references tenant (id),
        contact_id uuid not null references contact (id) on delete cascade,
        scope varchar(16) not null,
        opted_out boolean not null,
        source varchar(32) not null,
        occurred_at timestamptz not null,
        recorded_at timestamptz not null default now(),
        created_by uuid null,
        constraint contact_consent_scope_known check (scope in ('ALL', 'MARKETING')),
        constraint contact_consent_source_known
          check (source in ('API', 'INBOUND_KEYWORD', 'META_USER_PREFERENCES', 'META_ERROR_131050'))
      );`);
    this.addSql('create index contact_consent_event_contact_idx on contact_consent_event (contact_id, occurred_at, id);');

    this.addSql('alter table message add column price_reason varchar(32) null;');
    this.addSql('alter table message add column provider_billable boolean null;');
    this.addSql('alter table message add column provider_pricing jsonb null;');
    // The window check at dispatch: a contact's latest inbound messages, newest first.
    this.addSql('create index inbound_message_window_idx on inbound_message (contact_id, received_at) where contact_id is not null;');

    // The facts gain whether the contact's customer-service window is open on the message's channel (platform
    // number: channel_id null), asked only for UTILITY templates, the only ones it makes free.
    this.addSql('drop function dispatch_message_facts(uuid);');
    this.addSql(`
      create function dispatch_message_facts(p_message_id uuid)
      returns table (status text, charge_state text, failure_reason text, parameters jsonb, template_status text, content text,
        variables jsonb, category text, contact_opted_out boolean, phone text, name text, attributes jsonb, channel_status text,
        contact_marketing_opted_out boolean, service_window_open boolean)
      language plpgsql stable as $$
      #variable_conflict use_column
      begin
        return query
          select m.status::text, m.charge_state::text, m.failure_reason::text, m.parameters, t.status::text, t.content, t.variables,
            t.category::text, c.opted_out, c.phone::text, c.name::text, c.attributes, ch.status::text, c.marketing_opted_out,
            t.category = 'UTILITY' and exists (
              select 1 from inbound_message i
              where i.contact_id = m.contact_id and i.tenant_id = m.tenant_id
                and i.received_at > now() - interval '24 hours'
                and (i.channel_id = m.channel_id or (i.channel_id is null and m.channel_id is null)))
          from message m
          left join template t on t.id = m.template_id and t.tenant_id = m.tenant_id
          left join contact c on c.id = m.contact_id and c.tenant_id = m.tenant_id
          left join channel ch on ch.id = m.channel_id and ch.tenant_id = m.tenant_id
          where m.id = p_message_id;
      end;
      $$;`);

    // The locked re-check covers a marketing opt-out too, and the message keeps why it cost what it cost.
    this.addSql('drop function dispatch_message_debit(uuid, bigint, text, jsonb, text, boolean);');
    this.addSql(`
      create function dispatch_message_debit(
        p_message_id uuid, p_price bigint, p_category text, p_body_parameters jsonb, p_description text, p_already_charged boolean,
        p_price_reason text default null
      ) returns table (outcome text, status text, charge_state text, failure_reason text, template_status text, contact_opted_out boolean,
        contact_marketing_opted_out boolean)
      language plpgsql as $$
      #variable_conflict use_column
      declare
        v_message record;
        v_template_status text;
        v_opted_out boolean;
        v_marketing_opted_out boolean;
        v_charge boolean := p_price > 0;
      begin
        select m.tenant_id, m.template_id, m.contact_id, m.status, m.charge_state, m.failure_reason into v_message
          from message m where m.id = p_message_id for no key update;
        if not found then
          return query select 'MISSING', null::text, null::text, null::text, null::text, null::boolean, null::boolean;
          return;
        end if;
        if v_message.status <> 'SCHEDULED' then
          return query select 'SETTLED', v_message.status::text, v_message.charge_state::text, v_message.failure_reason::text, null::text,
            null::boolean, null::boolean;
          return;
        end if;
        select t.status into v_template_status from template t where t.id = v_message.template_id and t.tenant_id = v_message.tenant_id;
        select c.opted_out, c.marketing_opted_out into v_opted_out, v_marketing_opted_out
          from contact c where c.id = v_message.contact_id and c.tenant_id = v_message.tenant_id;
        if v_template_status is distinct from 'APPROVED' or v_opted_out is distinct from false
            or (p_category = 'MARKETING' and v_marketing_opted_out is distinct from false) then
          return query select 'STALE', null::text, null::text, null::text, v_template_status, v_opted_out, v_marketing_opted_out;
          return;
        end if;
        update message m set status = 'DISPATCHING', charge_state = case when v_charge or p_already_charged then 'CHARGED' else 'NONE' end,
            cost = p_price, category = p_category, body_parameters = p_body_parameters, price_reason = p_price_reason, updated_at = now()
          where m.id = p_message_id;
        insert into message_status_event (id, message_id, status, occurred_at, source)
          values (gen_random_uuid(), p_message_id, 'DISPATCHING', now(), 'WORKFLOW');
        -- Last, so the tenant's balance lock is held only until this statement commits; a refusal raised here
        -- undoes the lines above with it.
        if v_charge and not p_already_charged then
          perform post_ledger_entry(gen_random_uuid(), v_message.tenant_id, 'DEBIT', 'MESSAGE', p_price, p_message_id, null,
            p_description, null, null, null);
        end if;
        return query select 'DISPATCHED', 'DISPATCHING'::text, null::text, null::text, null::text, null::boolean, null::boolean;
      end;
      $$;`);
  }

  override async down(): Promise<void> {
    this.addSql('drop function dispatch_message_debit(uuid, bigint, text, jsonb, text, boolean, text);');
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
        if v_charge and not p_already_charged then
          perform post_ledger_entry(gen_random_uuid(), v_message.tenant_id, 'DEBIT', 'MESSAGE', p_price, p_message_id, null,
            p_description, null, null, null);
        end if;
        return query select 'DISPATCHED', 'DISPATCHING'::text, null::text, null::text, null::text, null::boolean;
      end;
      $$;`);
    this.addSql('drop function dispatch_message_facts(uuid);');
    this.addSql(`
      create function dispatch_message_facts(p_message_id uuid)
      returns table (status text, charge_state text, failure_reason text, parameters jsonb, template_status text, content text,
        variables jsonb, category text, contact_opted_out boolean, phone text, name text, attributes jsonb, channel_status text,
        contact_marketing_opted_out boolean)
      language plpgsql stable as $$
      #variable_conflict use_column
      begin
        return query
          select m.status::text, m.charge_state::text, m.failure_reason::text, m.parameters, t.status::text, t.content, t.variables,
            t.category::text, c.opted_out, c.phone::text, c.name::text, c.attributes, ch.status::text, c.marketing_opted_out
          from message m
          left join template t on t.id = m.template_id and t.tenant_id = m.tenant_id
          left join contact c on c.id = m.contact_id and c.tenant_id = m.tenant_id
          left join channel ch on ch.id = m.channel_id and ch.tenant_id = m.tenant_id
          where m.id = p_message_id;
      end;
      $$;`);
    this.addSql('drop index inbound_message_window_idx;');
    this.addSql('alter table message drop column provider_pricing;');
    this.addSql('alter table message drop column provider_billable;');
    this.addSql('alter table message drop column price_reason;');
    this.addSql('drop table contact_consent_event;');
  }
}
