import { Migration } from '@mikro-orm/migrations';

/** Why a root's escalation ended as it did where its state does not say (a root Herald refused before sending it). */
export class Migration20261202010000_escalation_detail extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table message add column escalation_detail varchar(500) null;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table message drop column if exists escalation_detail;');
  }
}
