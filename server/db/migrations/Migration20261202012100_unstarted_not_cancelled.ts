import { Migration } from '@mikro-orm/migrations';

/**
 * A cancelled message needs no workflow: a campaign cancelled before its time gets CANCELLED messages for the
 * recipients it never reached, with no workflow ever. The reconciler's index of messages whose workflow has not
 * started leaves them out, so its look stays as cheap as before however many such rows there are.
 */
export class Migration20261202012100_unstarted_not_cancelled extends Migration {
  override async up(): Promise<void> {
    this.addSql('drop index message_unstarted_idx;');
    this.addSql("create index message_unstarted_idx on message (created_at) where workflow_started = false and status <> 'CANCELLED';");
  }

  override async down(): Promise<void> {
    this.addSql('drop index message_unstarted_idx;');
    this.addSql('create index message_unstarted_idx on message (created_at) where workflow_started = false;');
  }
}
