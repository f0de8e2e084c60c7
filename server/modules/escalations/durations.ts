import { parse } from 'tinyduration';

/** The shortest and longest wait a level may have. */
export const MIN_AFTER_MS = 1_000;
export const MAX_AFTER_MS = 30 * 24 * 3600_000;

const UNIT_MS = { weeks: 7 * 24 * 3600_000, days: 24 * 3600_000, hours: 3600_000, minutes: 60_000, seconds: 1_000 } as const;

/**
 * An ISO 8601 duration (`PT15M`, `P1DT12H`) in milliseconds, or why it is refused. Years and months have no
 * fixed length, so they are refused: say `P30D` rather than `P1M`.
 */
export function durationMs(text: string): number | string {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(text);
  } catch {
    return 'must be an ISO 8601 duration such as PT15M or P1DT12H';
  }
  if (parsed.negative) return 'must not be negative';
  if (parsed.years || parsed.months) return 'must use weeks, days, hours, minutes or seconds (years and months vary in length)';
  const ms = Object.entries(UNIT_MS).reduce((sum, [unit, size]) => sum + (parsed[unit as keyof typeof UNIT_MS] ?? 0) * size, 0);
  if (ms < MIN_AFTER_MS || ms > MAX_AFTER_MS) return 'must be between PT1S and P30D';
  return Math.round(ms);
}
