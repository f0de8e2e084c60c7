import { z } from 'zod';

/**
 * Money is exact: amounts are bigint counts of 1/10,000 credit ("units") everywhere inside Herald,
 * and decimal strings with four fractional digits ("99.9500") at the edges.
 */
export type Units = bigint & { readonly __units: unique symbol };

const UNITS_PER_CREDIT = 10_000n;
/** A single amount above this is refused as absurd (one billion credits). */
const MAX_AMOUNT_UNITS = 1_000_000_000n * UNITS_PER_CREDIT;

const DECIMAL = /^(\d{1,13})(?:\.(\d{1,4}))?$/;

export const units = (value: bigint | number | string): Units => BigInt(value) as Units;

/** Parses "12.5", "12.5000" or 12.5 into units; undefined when it is not a non-negative decimal with ≤ 4 places. */
export function parseCredits(input: string | number): Units | undefined {
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return undefined;
    // The shortest round-trip form: 100.00 arrives as 100, 0.1 as "0.1", 1e21 stays exponential (refused).
    text = String(input);
  } else {
    text = input.trim();
  }
  const match = DECIMAL.exec(text);
  if (!match) return undefined;
  const whole = BigInt(match[1]!);
  const fraction = BigInt((match[2] ?? '').padEnd(4, '0'));
  return (whole * UNITS_PER_CREDIT + fraction) as Units;
}

/** Formats units as a decimal string with exactly four fractional digits. */
export function formatCredits(value: bigint): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / UNITS_PER_CREDIT;
  const fraction = (abs % UNITS_PER_CREDIT).toString().padStart(4, '0');
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

/** A positive amount in a request: a JSON number (the seed sends `100.00`) or a decimal string. */
export const positiveAmountInput = z
  .union([z.number(), z.string()])
  .transform((value, ctx) => {
    const parsed = parseCredits(value);
    if (parsed === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be a decimal amount with at most 4 fractional digits' });
      return z.NEVER;
    }
    if (parsed <= 0n) {
      ctx.addIssue({ code: 'custom', message: 'must be greater than zero' });
      return z.NEVER;
    }
    if (parsed > MAX_AMOUNT_UNITS) {
      ctx.addIssue({ code: 'custom', message: `must be at most ${formatCredits(MAX_AMOUNT_UNITS)}` });
      return z.NEVER;
    }
    return parsed;
  })
  .meta({ description: 'Credits, as a number or a decimal string with at most 4 fractional digits', example: 100.0 });

/** A money value in a response. */
export const creditsOutput = z
  .string()
  .regex(/^-?\d+\.\d{4}$/)
  .meta({ description: 'Credits with exactly four fractional digits', example: '99.9500' });
