import { Migration } from '@mikro-orm/migrations';

/**
 * Channels: a tenant's own WhatsApp numbers. A phone number id belongs to one channel of one tenant, ever
 * (Meta's webhooks are routed by it). The access token is stored only encrypted (see channels/token-box.ts).
 * A message names its channel (null: the platform number of WHATSAPP_*); the (id, tenant_id) key makes the
 * database refuse a message of one tenant on another's channel, and the reference keeps a channel that
 * messages use from being deleted. Kept statuses remember the number they came from, so they only ever
 * match a message sent from that number. A contact can be out of marketing alone (Meta's error 131050).
 */
export class Migration20261127140000_channels extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table channel (
        id uuid primary key,
        tenant_id uuid not null references tenant (id),
        name varchar(100) not null,
        waba_id varchar(64) not null,
        phone_number_id varchar(64) not null,
        display_phone_number varchar(32) null,
        status varchar(16) not null default 'ACTIVE',
        is_default boolean not null default false,
        rate_limit_per_second integer not null default 80,
        access_token_sealed text not null,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        constraint channel_phone_number_id_unique unique (phone_number_id),
        constraint channel_id_tenant_unique unique (id, tenant_id),
        constraint channel_status_known check (status in ('ACTIVE', 'DISABLED')),
        constraint channel_rate_limit_range check (rate_limit_per_second between 1 and 1000)
      );`);
    this.addSql('create unique index channel_one_default_per_tenant on channel (tenant_id) where is_default;');
    this.addSql('create index channel_tenant_list_idx on channel (tenant_id, created_at, id);');

    this.addSql('alter table message add column channel_id uuid null;');
    this.addSql(
      'alter table message add constraint message_channel_fk foreign key (channel_id, tenant_id) references channel (id, tenant_id);',
    );
    this.addSql('create index message_channel_idx on message (channel_id) where channel_id is not null;');
    // The number a message actually left from, stored with its wamid: its statuses must come from that number.
    this.addSql('alter table message add column from_phone_number_id varchar(64) null;');

    this.addSql('alter table provider_status_orphan add column phone_number_id varchar(64) null;');
    // Meta's error 131050: the user stopped marketing messages from this business.
    this.addSql('alter table contact add column marketing_opted_out boolean not null default false;');

    // The facts a debit decides on gain the channel's status: a disabled channel's due messages fail uncharged.
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
  }

  override async down(): Promise<void> {
    this.addSql('drop function dispatch_message_facts(uuid);');
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
    this.addSql('alter table provider_status_orphan drop column phone_number_id;');
    this.addSql('alter table contact drop column marketing_opted_out;');
    this.addSql('alter table message drop column from_phone_number_id;');
    this.addSql('alter table message drop constraint message_channel_fk;');
    this.addSql('alter table message drop column channel_id;');
    this.addSql('drop table channel;');
  }
}
