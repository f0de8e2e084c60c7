import { Migration } from '@mikro-orm/migrations';

/**
 * The send claim: an attempt stores a lease before calling WhatsApp, so no other attempt calls it for the
 * same message while the lease runs. `send_attempts` counts the claims taken (what an operator looks at).
 */
export class Migration20261127100000_send_claim extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table message add column send_claimed_until timestamptz null;');
    this.addSql('alter table message add column send_attempts integer not null default 0;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table message drop column if exists send_attempts;');
    this.addSql('alter table message drop column if exists send_claimed_until;');
  }
}
