import { Migration } from '@mikro-orm/migrations';

/**
 * Templates as Meta sees them: their quality and rejection reason, the channel they were registered for, and
 * the WABA Meta keeps them under (set only when Meta is the source of their status). Meta's webhooks name a
 * template by its id within a WABA, so (waba_id, meta_template_id) is indexed for them and for the sync.
 */
export class Migration20261127170100_template_meta extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table template add column quality varchar(16) not null default 'UNKNOWN'
      constraint template_quality_known check (quality in ('GREEN', 'YELLOW', 'RED', 'UNKNOWN'));`);
    this.addSql('alter table template add column rejected_reason varchar(256) null;');
    this.addSql('alter table template add column channel_id uuid null references channel (id);');
    this.addSql('alter table template add column waba_id varchar(64) null;');
    this.addSql('alter table template add column meta_synced_at timestamptz null;');
    this.addSql('create index template_meta_idx on template (waba_id, meta_template_id) where waba_id is not null;');
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists template_meta_idx;');
    this.addSql('alter table template drop column if exists meta_synced_at, drop column if exists waba_id, drop column if exists channel_id, drop column if exists rejected_reason, drop column if exists quality;');
  }
}
