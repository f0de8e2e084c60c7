import { Migration } from '@mikro-orm/migrations';

/**
 * A kept status also keeps Meta's `biz_opaque_callback_data`: the send puts its message id there, so a
 * status of a send whose answer was lost (the worker died, the connection broke) names its message, and the
 * next attempt stores that wamid instead of sending a second time.
 */
export class Migration20261127180000_orphan_callback_data extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table provider_status_orphan add column callback_data varchar(512) null;');
    this.addSql(
      'create index provider_status_orphan_callback_idx on provider_status_orphan (callback_data) where callback_data is not null;',
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists provider_status_orphan_callback_idx;');
    this.addSql('alter table provider_status_orphan drop column if exists callback_data;');
  }
}
