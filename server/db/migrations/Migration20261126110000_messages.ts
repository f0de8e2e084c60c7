import { Migration } from '@mikro-orm/migrations';

/**
 * Scheduled messages and their status history. A message's workflow id derives from its id;
 * `workflow_started` lets the reconciler find messages whose workflow never started (a crash between
 * storing the row and starting the workflow). Ledger entries about a message now point at it.
 */
export class Migration20261126110000_messages extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table message (
        id uuid primary key,
        tenant_id uuid not null references tenant (id),
        template_id uuid not null references template (id),
        contact_id uuid not null references contact (id),
        idempotency_key varchar(255) not null,
        request_hash char(64) not null,
        parameters jsonb not null default '{}'::jsonb,
        schedule_time timestamptz not null,
        status varchar(16) not null default 'SCHEDULED',
        charge_state varchar(12) not null default 'NONE',
        cost bigint null,
        category varchar(16) null,
        body_parameters jsonb null,
        provider_message_id varchar(128) null,
        failure_reason varchar(64) null,
        provider_error_code integer null,
        failure_detail varchar(500) null,
        workflow_id varchar(64) not null,
        workflow_started boolean not null default false,
        sent_at timestamptz null,
        delivered_at timestamptz null,
        read_at timestamptz null,
        failed_at timestamptz null,
        cancelled_at timestamptz null,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        constraint message_idempotency_key_unique unique (tenant_id, idempotency_key),
        constraint message_provider_id_unique unique (provider_message_id),
        constraint message_workflow_id_unique unique (workflow_id),
        constraint message_status_known check (status in ('SCHEDULED', 'CANCELLED', 'DISPATCHING', 'SENT', 'DELIVERED', 'READ', 'FAILED')),
        constraint message_charge_state_known check (charge_state in ('NONE', 'CHARGED', 'REFUNDED')),
        constraint message_cost_not_negative check (cost is null or cost >= 0)
      );`);
    this.addSql('create index message_tenant_page_idx on message (tenant_id, created_at, id);');
    this.addSql('create index message_tenant_status_idx on message (tenant_id, status, created_at, id);');
    this.addSql('create index message_unstarted_idx on message (created_at) where workflow_started = false;');

    this.addSql(`
      create table message_status_event (
        id uuid primary key,
        message_id uuid not null references message (id),
        status varchar(16) not null,
        occurred_at timestamptz not null,
        source varchar(8) not null,
        provider_error_code integer null,
        detail varchar(500) null,
        recorded_at timestamptz not null default now(),
        constraint message_status_event_source_known check (source in ('API', 'WORKFLOW', 'PROVIDER'))
      );`);
    // Meta delivers webhooks at least once: a provider status is recorded once per message.
    this.addSql(
      `create unique index message_status_event_provider_once on message_status_event (message_id, status) where source = 'PROVIDER';`,
    );
    this.addSql('create index message_status_event_message_idx on message_status_event (message_id, occurred_at);');

    this.addSql('alter table ledger_entry add constraint ledger_entry_message_fk foreign key (message_id) references message (id);');
  }

  override async down(): Promise<void> {
    this.addSql('alter table ledger_entry drop constraint if exists ledger_entry_message_fk;');
    this.addSql('drop table if exists message_status_event;');
    this.addSql('drop table if exists message;');
  }
}
