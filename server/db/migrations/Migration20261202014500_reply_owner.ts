import { Migration } from '@mikro-orm/migrations';

/**
 * A reply to the platform number belongs to the tenant whose message reached the writer's phone last: that look-up
 * walks each contact with the phone (one per tenant) to its latest message from the number.
 */
export class Migration20261202014500_reply_owner extends Migration {
  override async up(): Promise<void> {
    this.addSql('create index message_reached_idx on message (contact_id, sent_at) where from_phone_number_id is not null;');
  }

  override async down(): Promise<void> {
    this.addSql('drop index message_reached_idx;');
  }
}
