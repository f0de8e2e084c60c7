import { Migration } from '@mikro-orm/migrations';

/**
 * Provider statuses whose wamid is not stored yet (the webhook beat the send's own write): kept here until
 * the send stores the wamid and drains them, so no verified status is lost. One row per (wamid, status),
 * as Meta resends; `received_at` orders them and lets stale ones (wamids of other systems) be purged.
 */
export class Migration20261127130000_status_orphans extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table provider_status_orphan (
        wamid varchar(128) not null,
        status varchar(16) not null,
        occurred_at timestamptz not null,
        provider_error_code integer null,
        detail varchar(500) null,
        received_at timestamptz not null default clock_timestamp(),
        primary key (wamid, status),
        constraint provider_status_orphan_status_known check (status in ('SENT', 'DELIVERED', 'READ', 'FAILED'))
      );`);
    this.addSql('create index provider_status_orphan_received_idx on provider_status_orphan (received_at);');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists provider_status_orphan;');
  }
}
