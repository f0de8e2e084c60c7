import { Migration } from '@mikro-orm/migrations';

/**
 * Tenants, users, contacts, templates and the credit ledger. Money columns are integers of 1/10,000
 * credit. The ledger is append-only: the database itself refuses UPDATE, DELETE and TRUNCATE on it.
 */
export class Migration20261126100000_domain extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table tenant (
        id uuid primary key,
        name varchar(200) not null,
        slug varchar(63) not null,
        balance bigint not null default 0,
        created_at timestamptz not null default now(),
        constraint tenant_slug_unique unique (slug),
        constraint tenant_balance_never_negative check (balance >= 0)
      );`);

    this.addSql(`
      create table app_user (
        id uuid primary key,
        tenant_id uuid null references tenant (id),
        email varchar(254) not null,
        password_hash text not null,
        name varchar(200) not null,
        role varchar(16) not null,
        created_at timestamptz not null default now(),
        constraint app_user_role_known check (role in ('SUPER_ADMIN', 'ADMIN', 'SUB_ADMIN')),
        constraint app_user_tenant_matches_role check ((role = 'SUPER_ADMIN') = (tenant_id is null))
      );`);
    this.addSql('create unique index app_user_email_unique on app_user (lower(email));');
    this.addSql('create index app_user_tenant_idx on app_user (tenant_id, created_at, id);');

    this.addSql(`
      create table contact (
        id uuid primary key,
        tenant_id uuid not null references tenant (id),
        phone varchar(16) not null,
        name varchar(200) null,
        attributes jsonb not null default '{}'::jsonb,
        opted_out boolean not null default false,
        created_at timestamptz not null default now(),
        constraint contact_phone_unique_per_tenant unique (tenant_id, phone)
      );`);
    this.addSql('create index contact_tenant_page_idx on contact (tenant_id, created_at, id);');

    this.addSql(`
      create table template (
        id uuid primary key,
        tenant_id uuid not null references tenant (id),
        name varchar(512) not null,
        language varchar(15) not null,
        category varchar(16) not null,
        status varchar(16) not null,
        content text not null,
        variables jsonb not null,
        meta_template_id varchar(128) null,
        created_at timestamptz not null default now(),
        constraint template_unique_per_tenant unique (tenant_id, name, language),
        constraint template_category_known check (category in ('MARKETING', 'UTILITY', 'AUTHENTICATION')),
        constraint template_status_known check (status in ('APPROVED', 'PENDING', 'REJECTED', 'PAUSED', 'DISABLED'))
      );`);
    this.addSql('create index template_tenant_page_idx on template (tenant_id, created_at, id);');

    this.addSql(`
      create table ledger_entry (
        id uuid primary key,
        seq bigint generated always as identity,
        tenant_id uuid not null references tenant (id),
        type varchar(6) not null,
        reason varchar(8) not null,
        amount bigint not null,
        balance_after bigint not null,
        message_id uuid null,
        refund_of uuid null references ledger_entry (id),
        description varchar(500) null,
        created_by uuid null references app_user (id),
        created_at timestamptz not null default now(),
        constraint ledger_entry_seq_unique unique (seq),
        constraint ledger_entry_type_known check (type in ('CREDIT', 'DEBIT')),
        constraint ledger_entry_reason_known check (reason in ('TOPUP', 'MESSAGE', 'REFUND')),
        constraint ledger_entry_reason_matches_type check ((type = 'CREDIT') = (reason in ('TOPUP', 'REFUND'))),
        constraint ledger_entry_amount_positive check (amount > 0),
        constraint ledger_entry_balance_never_negative check (balance_after >= 0),
        constraint ledger_entry_refund_points_at_debit check ((reason = 'REFUND') = (refund_of is not null)),
        constraint ledger_entry_message_link check ((reason = 'TOPUP') = (message_id is null))
      );`);
    this.addSql('create index ledger_entry_tenant_seq_idx on ledger_entry (tenant_id, seq);');
    // At most one charge and one refund per message, ever, and a debit is refunded at most once.
    this.addSql(`create unique index ledger_entry_one_debit_per_message on ledger_entry (message_id) where reason = 'MESSAGE';`);
    this.addSql(`create unique index ledger_entry_one_refund_per_message on ledger_entry (message_id) where reason = 'REFUND';`);
    this.addSql('create unique index ledger_entry_one_refund_per_debit on ledger_entry (refund_of) where refund_of is not null;');

    this.addSql(`
      create function ledger_entry_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'ledger entries are append-only: % refused', tg_op
          using errcode = 'integrity_constraint_violation';
      end;
      $$;`);
    this.addSql(`
      create trigger ledger_entry_no_update_or_delete before update or delete on ledger_entry
        for each row execute function ledger_entry_append_only();`);
    this.addSql(`
      create trigger ledger_entry_no_truncate before truncate on ledger_entry
        for each statement execute function ledger_entry_append_only();`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists ledger_entry;');
    this.addSql('drop function if exists ledger_entry_append_only();');
    this.addSql('drop table if exists template;');
    this.addSql('drop table if exists contact;');
    this.addSql('drop table if exists app_user;');
    this.addSql('drop table if exists tenant;');
  }
}
