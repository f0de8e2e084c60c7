import { Migration } from '@mikro-orm/migrations';

/**
 * The send governor: one pacing row per sending number (a channel's id, or 'platform' for the number of
 * WHATSAPP_*), shared by every worker through its row lock; numbers never wait on each other (a row each).
 * Two clocks, both 1/rate apart: `next_slot_at` hands each due message the time its workflow sleeps until
 * (`reserve_send_slot`, coarse: timer-to-send latency varies), and `next_send_at` is the send call's own
 * turn, taken right before it calls Meta (`take_send_turn`, exact). Waits are measured on the database's
 * clock, so workers' clocks need not agree.
 */
export class Migration20261127150000_send_pace extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table send_pace (
        channel_key text primary key,
        next_slot_at timestamptz not null,
        next_send_at timestamptz not null
      );`);
    // Both functions read the number and its rate the same way.
    this.addSql(`
      create function send_pace_of(p_message_id uuid, p_platform_rate integer, out channel_key text, out rate_per_second integer)
      language sql stable as $$
        select coalesce(m.channel_id::text, 'platform'), greatest(coalesce(ch.rate_limit_per_second, p_platform_rate), 1)
        from message m left join channel ch on ch.id = m.channel_id
        where m.id = p_message_id;
      $$;`);
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
        select p.channel_key, p.rate_per_second into v_key, v_rate from send_pace_of(p_message_id, p_platform_rate) p;
        if v_key is null then
          -- A message that is gone takes no slot; the debit that follows reports it.
          return query select 'none'::text, 0, v_now, 0;
          return;
        end if;
        v_step := interval '1 second' / v_rate;
        insert into send_pace as p (channel_key, next_slot_at, next_send_at) values (v_key, v_now + v_step, v_now)
          on conflict (channel_key) do update set next_slot_at = greatest(p.next_slot_at, v_now) + v_step
          returning p.next_slot_at - v_step into v_slot;
        return query select v_key, v_rate, v_slot, greatest(0, ceil(extract(epoch from v_slot - v_now) * 1000))::integer;
      end;
      $$;`);
    // Taken only when it comes within p_max_wait_ms: a send never holds a worker's activity slot for long.
    this.addSql(`
      create function take_send_turn(p_message_id uuid, p_platform_rate integer, p_max_wait_ms integer)
      returns table (channel_key text, taken boolean, wait_ms integer)
      language plpgsql volatile as $$
      #variable_conflict use_column
      declare
        v_key text;
        v_rate integer;
        v_now timestamptz := clock_timestamp();
        v_turn timestamptz;
        v_wait integer;
      begin
        select p.channel_key, p.rate_per_second into v_key, v_rate from send_pace_of(p_message_id, p_platform_rate) p;
        if v_key is null then
          return query select 'none'::text, true, 0;
          return;
        end if;
        insert into send_pace (channel_key, next_slot_at, next_send_at) values (v_key, v_now, v_now) on conflict do nothing;
        select s.next_send_at into v_turn from send_pace s where s.channel_key = v_key for update;
        -- Read after the row lock: time spent queueing on it is not counted twice.
        v_now := clock_timestamp();
        v_turn := greatest(v_turn, v_now);
        v_wait := greatest(0, ceil(extract(epoch from v_turn - v_now) * 1000))::integer;
        if v_wait > p_max_wait_ms then
          return query select v_key, false, v_wait;
          return;
        end if;
        update send_pace s set next_send_at = v_turn + interval '1 second' / v_rate where s.channel_key = v_key;
        return query select v_key, true, v_wait;
      end;
      $$;`);
  }

  override async down(): Promise<void> {
    this.addSql('drop function if exists take_send_turn(uuid, integer, integer);');
    this.addSql('drop function if exists reserve_send_slot(uuid, integer);');
    this.addSql('drop function if exists send_pace_of(uuid, integer);');
    this.addSql('drop table if exists send_pace;');
  }
}
