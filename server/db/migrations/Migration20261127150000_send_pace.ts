import { Migration } from '@mikro-orm/migrations';

/**
 * The send governor: one pacing row per sending number (a channel's id, or 'platform' for the number of
 * WHATSAPP_*), holding the earliest time its next send may leave. `reserve_send_slot` hands out slots
 * 1/rate apart in one statement, so any number of workers share each number's limit through the row lock,
 * and numbers never wait on each other (one row each). The wait is measured on the database's clock,
 * so workers' clocks need not agree.
 */
export class Migration20261127150000_send_pace extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table send_pace (
        channel_key text primary key,
        next_slot_at timestamptz not null
      );`);
    this.addSql(`
      create function reserve_send_slot(p_message_id uuid, p_platform_rate integer)
      returns table (channel_key text, rate_per_second integer, slot_at timestamptz, wait_ms integer)
      language plpgsql volatile as $$
      #variable_conflict use_column
      declare
        v_key text;
        v_rate integer;
        v_step interval;
        v_now timestamptz := clock_timestamp();
        v_slot timestamptz;
      begin
        select coalesce(m.channel_id::text, 'platform'), coalesce(ch.rate_limit_per_second, p_platform_rate)
          into v_key, v_rate
          from message m left join channel ch on ch.id = m.channel_id
          where m.id = p_message_id;
        if v_key is null then
          -- A message that is gone takes no slot; the debit that follows reports it.
          return query select 'none'::text, 0, v_now, 0;
          return;
        end if;
        v_step := interval '1 second' / greatest(v_rate, 1);
        insert into send_pace as p (channel_key, next_slot_at) values (v_key, v_now + v_step)
          on conflict (channel_key) do update set next_slot_at = greatest(p.next_slot_at, v_now) + v_step
          returning p.next_slot_at - v_step into v_slot;
        return query select v_key, v_rate, v_slot,
          greatest(0, ceil(extract(epoch from v_slot - v_now) * 1000))::integer;
      end;
      $$;`);
  }

  override async down(): Promise<void> {
    this.addSql('drop function if exists reserve_send_slot(uuid, integer);');
    this.addSql('drop table if exists send_pace;');
  }
}
