import { Migration } from '@mikro-orm/migrations';

/**
 * Campaigns: one template to a fixed audience. The audience is written once, at creation, as numbered
 * `campaign_recipient` rows (only the contacts that may receive it; the excluded are counted on the campaign).
 * The campaign's workflow turns recipients into ordinary messages in batches by number; the unique
 * (campaign_id, contact_id) on `message` makes a contact get at most one message per campaign, whatever
 * batch is retried. `campaign_hold` lists the due messages that wait at a paused campaign's gate, so a
 * resume knows whom to wake.
 */
export class Migration20261127170200_campaigns extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table campaign (
        id uuid primary key,
        tenant_id uuid not null references tenant (id),
        name varchar(200) not null,
        status varchar(16) not null default 'SCHEDULED',
        template_id uuid not null references template (id),
        channel_id uuid null references channel (id),
        escalation_policy_id uuid null references escalation_policy (id),
        schedule_time timestamptz not null,
        parameters jsonb not null default '{}'::jsonb,
        idempotency_key varchar(255) not null,
        request_hash char(64) not null,
        audience_size integer not null,
        excluded_opted_out integer not null,
        excluded_invalid integer not null,
        estimated_cost bigint not null,
        workflow_started boolean not null default false,
        completed_at timestamptz null,
        cancelled_at timestamptz null,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        constraint campaign_idempotency_key_unique unique (tenant_id, idempotency_key),
        constraint campaign_status_known check (status in ('SCHEDULED', 'RUNNING', 'PAUSED', 'COMPLETED', 'CANCELLED')),
        constraint campaign_audience_bounded check (audience_size between 0 and 100000),
        constraint campaign_estimated_cost_not_negative check (estimated_cost >= 0)
      );`);
    this.addSql('create index campaign_tenant_page_idx on campaign (tenant_id, created_at, id);');
    this.addSql('create index campaign_unstarted_idx on campaign (created_at) where workflow_started = false;');

    this.addSql(`
      create table campaign_recipient (
        campaign_id uuid not null references campaign (id),
        seq integer not null,
        contact_id uuid not null references contact (id),
        primary key (campaign_id, seq),
        constraint campaign_recipient_once unique (campaign_id, contact_id)
      );`);

    this.addSql('alter table message add column campaign_id uuid null references campaign (id);');
    this.addSql('create unique index message_campaign_contact_unique on message (campaign_id, contact_id) where campaign_id is not null;');
    this.addSql('create index message_campaign_page_idx on message (campaign_id, created_at, id) where campaign_id is not null;');
    this.addSql('create index message_campaign_status_idx on message (campaign_id, status) where campaign_id is not null;');

    this.addSql(`
      create table campaign_hold (
        campaign_id uuid not null references campaign (id),
        message_id uuid not null references message (id),
        held_at timestamptz not null default now(),
        primary key (campaign_id, message_id)
      );`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table campaign_hold;');
    this.addSql('drop index message_campaign_status_idx;');
    this.addSql('drop index message_campaign_page_idx;');
    this.addSql('drop index message_campaign_contact_unique;');
    this.addSql('alter table message drop column campaign_id;');
    this.addSql('drop table campaign_recipient;');
    this.addSql('drop table campaign;');
  }
}
