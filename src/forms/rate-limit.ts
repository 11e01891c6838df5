import {
  convertIPv4BinaryToString,
  convertIPv4MappedIPv6ToIPv4,
  convertIPv6BinaryToString,
  convertIPv6ToBinary,
  distinctRemoteAddr,
  isIPv4MappedIPv6,
} from 'hono/utils/ipaddr';
import { AppError } from '../errors.ts';
import type { Deps } from '../deps.ts';
import { clearCount, countHit, countOf, pruneCounts, readCount } from '../db/rate-limits.ts';
import type { Config } from '../config.ts';
import { parseDuration } from '../config-values.ts';

export type RateLimit = NonNullable<Config['rateLimit']>;

// The policy of the limits; their counters and SQL are in db/rate-limits.ts.

/**
 * Whom a limit counts: an IPv4 address, or the /64 network of an IPv6 one. A subscriber is
 * given at least a /64, 2^64 addresses to rotate through, one fresh count each. An IPv4
 * address written as IPv6 (`::ffff:1.2.3.4`) counts as itself; anything unparsable as it came.
 */
export function rateLimitSubject(ip: string): string {
  if (distinctRemoteAddr(ip) !== 'IPv6') return ip;
  try {
    const address = convertIPv6ToBinary(ip);
    if (isIPv4MappedIPv6(address)) return convertIPv4BinaryToString(convertIPv4MappedIPv6ToIPv4(address));
    return `${convertIPv6BinaryToString((address >> 64n) << 64n)}/64`;
  } catch {
    return ip;
  }
}

/**
 * Counts one hit in a fixed window; answers how long to wait when over the limit. It is a
 * write like the submission's, through `deps.commit`: on Node it joins the group commit
 * instead of an fsync of its own on the event loop (which held the server to ~1,200 req/s).
 */
export async function hitRateLimit(
  deps: Pick<Deps, 'db' | 'commit' | 'now' | 'log'>,
  limit: RateLimit | null,
  key: string,
): Promise<{ retryAfter: number } | null> {
  if (!limit) return null;
  const now = deps.now();
  let counted;
  try {
    const [rows] = await deps.commit([countHit(deps.db, key, now, limit.windowMs)]);
    counted = countOf(rows?.[0]);
  } catch (error) {
    // A database that cannot take the count answers 503 like any failed write. The key's
    // first part says whose counter it was (a form's id, or sign-in), not whose address.
    deps.log.error('rate limit not counted', { counter: key.split(':')[0], error: String(error) });
    throw new AppError('unavailable', 'The database could not be written; nothing was kept. Please try again.');
  }
  return waitOf(limit, now, counted.count, counted.windowStart);
}

/** Over the limit in a window still running: how many seconds are left of it. */
function waitOf(limit: RateLimit, now: number, count: number, windowStart: number): { retryAfter: number } | null {
  if (!(count > limit.max) || windowStart + limit.windowMs <= now) return null;
  return { retryAfter: Math.max(1, Math.ceil((windowStart + limit.windowMs - now) / 1000)) };
}

/**
 * Whether a key is over its limit now, without counting a hit: one read, for a check that runs
 * before every request of a surface where only failures count (the API token).
 */
export async function rateLimitWait(deps: Pick<Deps, 'db' | 'now'>, limit: RateLimit, key: string): Promise<{ retryAfter: number } | null> {
  const counted = await readCount(deps.db, key);
  return counted ? waitOf(limit, deps.now(), counted.count, counted.windowStart) : null;
}

/** A form's `formLimit` ("100/1h"), counted for the whole form whoever posts. */
export function formWideLimit(formLimit: string | null): RateLimit | null {
  const match = formLimit ? /^(\d{1,6})\/(.+)$/.exec(formLimit) : null;
  const windowMs = match ? parseDuration(match[2]!) : undefined;
  return match && windowMs ? { max: Number(match[1]), windowMs } : null;
}

/** Apart from the per-address keys (`formId:hash`), which never start with this. */
export const formWideKey = (formId: string) => `form:${formId}`;

/** The longest `formLimit` window the settings accept, so the sweep knows when such a counter is over. */
export const FORM_LIMIT_MAX_WINDOW_MS = 86_400_000;

/** Forgets a counter, e.g. after a successful sign-in. */
export async function clearRateLimit(deps: Pick<Deps, 'db' | 'commit'>, key: string): Promise<void> {
  await deps.commit([clearCount(deps.db, key)]);
}

/** Sign-in attempts, and wrong API tokens, per IP: always on, whatever RATE_LIMIT says. */
export const ADMIN_LOGIN_LIMIT = { max: 10, windowMs: 600_000 };

/**
 * Drops counters whose window has passed; called by the periodic sweep. The longest
 * window in use decides, so sign-in counters outlive a shorter RATE_LIMIT window.
 */
export async function pruneRateLimits(deps: Pick<Deps, 'db' | 'commit' | 'now' | 'config'>): Promise<void> {
  const longest = Math.max(deps.config.rateLimit?.windowMs ?? 0, ADMIN_LOGIN_LIMIT.windowMs);
  // A form-wide window may be longer than RATE_LIMIT's: its counters keep until the longest allowed has passed.
  await deps.commit([
    pruneCounts(deps.db, deps.now() - longest, { prefix: formWideKey(''), before: deps.now() - FORM_LIMIT_MAX_WINDOW_MS }),
  ]);
}
