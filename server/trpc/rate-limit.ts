import { AppError } from '../shared/errors.ts';
import type { Context } from './context.ts';

interface Window {
  count: number;
  resetAt: number;
}

/**
 * Fixed one-window counters per key, in memory, holding at most `maxKeys` keys: when full, expired windows
 * go first, then the oldest. Windows are (re)inserted when they start, so the Map's order is expiry order.
 */
export class FixedWindowCounter {
  private readonly windows = new Map<string, Window>();
  readonly windowMs: number;
  readonly maxKeys: number;

  constructor(windowMs: number, maxKeys: number) {
    this.windowMs = windowMs;
    this.maxKeys = maxKeys;
  }

  /** Counts one attempt for `key` and returns the window's count so far and when it ends. */
  hit(key: string, now = Date.now()): Window {
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      this.windows.delete(key);
      this.makeRoom(now);
      window = { count: 0, resetAt: now + this.windowMs };
      this.windows.set(key, window);
    }
    window.count += 1;
    return window;
  }

  get size(): number {
    return this.windows.size;
  }

  private makeRoom(now: number): void {
    for (const [key, window] of this.windows) {
      if (this.windows.size < this.maxKeys && window.resetAt > now) return;
      this.windows.delete(key);
    }
  }
}

export interface Limit {
  /** What is counted, e.g. `auth:ip:203.0.113.7`; every limit of one counter shares its key space. */
  key: string;
  max: number;
}

const WINDOW_MS = 60_000;
/** Enough for every client of a busy minute; an attacker needs this many addresses to push a counter out. */
const MAX_KEYS = 50_000;

// One counter per API instance (its services), so two APIs in one process never share counts.
const counters = new WeakMap<object, FixedWindowCounter>();

function counterOf(ctx: Context): FixedWindowCounter {
  let counter = counters.get(ctx.services);
  if (!counter) {
    counter = new FixedWindowCounter(WINDOW_MS, MAX_KEYS);
    counters.set(ctx.services, counter);
  }
  return counter;
}

/**
 * Counts this call against every limit (each call of a tRPC batch counts on its own) and refuses it with
 * 429 TOO_MANY_REQUESTS and a Retry-After header, on REST and tRPC alike, when any limit is exceeded.
 */
export function enforceLimits(ctx: Context, limits: Limit[], what: string): void {
  const counter = counterOf(ctx);
  const now = Date.now();
  let retryAfterMs = 0;
  for (const limit of limits) {
    const window = counter.hit(limit.key, now);
    if (window.count > limit.max) retryAfterMs = Math.max(retryAfterMs, window.resetAt - now);
  }
  if (retryAfterMs === 0) return;
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  ctx.setResponseHeader('retry-after', String(seconds));
  throw new AppError('TOO_MANY_REQUESTS', `Too many ${what}; retry in ${seconds} s`, { reason: 'RATE_LIMITED' });
}
