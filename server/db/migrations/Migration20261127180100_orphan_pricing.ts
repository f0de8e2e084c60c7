import { Migration } from '@mikro-orm/migrations';

/**
 * A kept status also keeps Meta's `pricing`: when every status of a message arrives before its wamid is stored
 * (a lost answer recognised later), Meta's word that it does not bill the message must not be lost with them.
 */
export class Migration20261127180100_orphan_pricing extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table provider_status_orphan add column pricing jsonb null;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table provider_status_orphan drop column if exists pricing;');
  }
}
