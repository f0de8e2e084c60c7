import { Migration } from '@mikro-orm/migrations';

/**
 * Escalations. A policy is a tenant's list of levels (stored as JSON: it is read whole, never queried
 * inside). A root message names its policy; its escalation's state lives on the root row, each level in
 * `escalation_level` (one row per root and level, so a level is decided once). A level's message is an
 * ordinary message that points back at its root and level, unique per (root, level): however often a
 * decision is retried, a level is sent at most once.
 */
export class Migration20261127160000_escalations extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table escalation_policy (
        id uuid primary key,
        tenant_id uuid not null references tenant (id),
        name varchar(100) not null,
        levels jsonb not null,
        created_at timestamptz not null,
        constraint escalation_policy_id_tenant_unique unique (id, tenant_id)
      );`);
    this.addSql('create index escalation_policy_tenant_list_idx on escalation_policy (tenant_id, created_at, id);');

    this.addSql('alter table message add column escalation_policy_id uuid null;');
    this.addSql(
      'alter table message add constraint message_escalation_policy_fk foreign key (escalation_policy_id, tenant_id) references escalation_policy (id, tenant_id);',
    );
    this.addSql(`alter table message add column escalation_state varchar(16) null
      constraint message_escalation_state_known check (escalation_state in ('PENDING', 'RESOLVED', 'EXHAUSTED', 'CANCELLED'));`);
    this.addSql(`alter table message add column escalation_resolved_by varchar(16) null
      constraint message_escalation_resolved_by_known check (escalation_resolved_by in ('DELIVERED', 'READ', 'REPLIED', 'ACKNOWLEDGED'));`);
    this.addSql('alter table message add column acknowledged_at timestamptz null;');
    this.addSql('alter table message add column escalation_of uuid null references message (id);');
    this.addSql('alter table message add column escalation_level smallint null;');
    this.addSql('create unique index message_escalation_level_unique on message (escalation_of, escalation_level) where escalation_of is not null;');
    this.addSql("create index message_escalation_pending_idx on message (contact_id) where escalation_state = 'PENDING';");

    this.addSql(`
      create table escalation_level (
        root_message_id uuid not null references message (id),
        level smallint not null,
        due_at timestamptz null,
        state varchar(16) not null default 'WAITING',
        message_id uuid null references message (id),
        detail varchar(500) null,
        decided_at timestamptz null,
        primary key (root_message_id, level),
        constraint escalation_level_state_known check (state in ('WAITING', 'SENT', 'SKIPPED', 'CANCELLED'))
      );`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table escalation_level;');
    this.addSql('drop index message_escalation_pending_idx;');
    this.addSql('drop index message_escalation_level_unique;');
    for (const column of ['escalation_level', 'escalation_of', 'acknowledged_at', 'escalation_resolved_by', 'escalation_state']) {
      this.addSql(`alter table message drop column ${column};`);
    }
    this.addSql('alter table message drop constraint message_escalation_policy_fk;');
    this.addSql('alter table message drop column escalation_policy_id;');
    this.addSql('drop table escalation_policy;');
  }
}
