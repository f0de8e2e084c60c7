import { Migration } from '@mikro-orm/migrations';

/**
 * What contacts write to a tenant's numbers. Meta delivers webhooks at least once, so a message is stored
 * once per (tenant, Meta message id); a message to the shared platform number is stored once for each tenant
 * that has the writer as a contact. channel_id null: the platform number; contact_id null: no such contact.
 */
export class Migration20261127150100_inbound_messages extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table inbound_message (
        id uuid primary key,
        tenant_id uuid not null references tenant (id),
        channel_id uuid null,
        contact_id uuid null references contact (id) on delete set null,
        meta_message_id varchar(128) not null,
        from_number varchar(32) not null,
        type varchar(32) not null,
        text text null,
        received_at timestamptz not null,
        created_at timestamptz not null,
        constraint inbound_message_once unique (tenant_id, meta_message_id),
        constraint inbound_message_channel_fk foreign key (channel_id, tenant_id) references channel (id, tenant_id)
      );`);
    this.addSql('create index inbound_message_page_idx on inbound_message (tenant_id, created_at, id);');
    this.addSql('create index inbound_message_contact_idx on inbound_message (contact_id, created_at, id) where contact_id is not null;');
    this.addSql('create index inbound_message_channel_idx on inbound_message (channel_id, created_at, id) where channel_id is not null;');
    // A message to the platform number finds its tenants by the writer's phone, across tenants.
    this.addSql('create index contact_phone_idx on contact (phone);');
  }

  override async down(): Promise<void> {
    this.addSql('drop index contact_phone_idx;');
    this.addSql('drop table inbound_message;');
  }
}
