import { Migration } from '@mikro-orm/migrations';

/**
 * reserve_send_slot, with lanes or (for down) first come first served as Migration20261127150000_send_pace made it.
 * With lanes, a message outside a campaign books on the urgent clock and pushes the bulk clock one step on.
 */
function reserveSendSlot(lanes: boolean): string {
  const book = lanes
    ? `select m.campaign_id is null into v_urgent from message m where m.id = p_message_id;
        insert into send_pace (channel_key, next_slot_at, next_send_at, next_urgent_at) values (v_key, v_now, v_now, v_now)
          on conflict (channel_key) do nothing;
        if v_urgent then
          update send_pace p set next_urgent_at = greatest(p.next_urgent_at, v_now) + v_step,
              next_slot_at = greatest(p.next_slot_at, v_now) + v_step
            where p.channel_key = v_key
            returning p.next_urgent_at - v_step into v_slot;
        else
          update send_pace p set next_slot_at = greatest(p.next_slot_at, v_now) + v_step
            where p.channel_key = v_key
            returning p.next_slot_at - v_step into v_slot;
        end if;`
    : `insert into send_pace as p (channel_key, next_slot_at, next_send_at) values (v_key, v_now + v_step, v_now)
          on conflict (channel_key) do update set next_slot_at = greatest(p.next_slot_at, v_now) + v_step
          returning p.next_slot_at - v_step into v_slot;`;
  return `
      create or replace function reserve_send_slot(p_message_id uuid, p_platform_rate integer)
      returns table (channel_key text, rate_per_second integer, slot_at timestamptz, wait_ms integer)
      language plpgsql volatile as $$
      #variable_conflict use_column
      declare
        v_key text;
        v_rate integer;
        v_urgent boolean;
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
        ${book}
        return query select v_key, v_rate, v_slot, greatest(0, ceil(extract(epoch from v_slot - v_now) * 1000))::integer;
      end;
      $$;`;
}

/**
 * The send governor gets two lanes per number, so one tenant's campaign never queues another tenant's
 * notification behind its bookings. A message outside a campaign (a single message, an escalation level) books
 * on the number's urgent clock, `next_urgent_at`, and goes out at once however far ahead campaigns have booked;
 * it also pushes the bulk clock, `next_slot_at`, one step on, so the campaign bookings that follow leave it its
 * room. Campaign messages book on the bulk clock alone, first come first served (a campaign books at most its
 * window ahead: its messages are created just in time). The send call's exact turn (`take_send_turn`) is
 * unchanged and still keeps every number at its rate.
 */
export class Migration20261202012000_send_lanes extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table send_pace add column next_urgent_at timestamptz not null default now();');
    this.addSql(reserveSendSlot(true));
  }

  override async down(): Promise<void> {
    this.addSql(reserveSendSlot(false));
    this.addSql('alter table send_pace drop column next_urgent_at;');
  }
}
