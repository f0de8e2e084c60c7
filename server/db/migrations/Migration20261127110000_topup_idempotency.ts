import { Migration } from '@mikro-orm/migrations';

/**
 * Top-ups take an optional idempotency key. The ledger is append-only, so the key and the request's hash
 * are written with the entry itself; the partial unique index makes a key name one entry per tenant.
 */
export class Migration20261127110000_topup_idempotency extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table ledger_entry add column idempotency_key varchar(255) null, add column request_hash char(64) null;');
    this.addSql(`
      alter table ledger_entry add constraint ledger_entry_idempotency_pair
        check ((idempotency_key is null) = (request_hash is null));`);
    this.addSql(`
      create unique index ledger_entry_idempotency_key_unique on ledger_entry (tenant_id, idempotency_key)
        where idempotency_key is not null;`);
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists ledger_entry_idempotency_key_unique;');
    this.addSql('alter table ledger_entry drop constraint if exists ledger_entry_idempotency_pair;');
    this.addSql('alter table ledger_entry drop column if exists request_hash, drop column if exists idempotency_key;');
  }
}
