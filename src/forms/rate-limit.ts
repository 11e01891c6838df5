import { eq, lt, sql, type SQL } from 'drizzle-orm';
import { HttpError } from '../errors.ts';
import type { Deps } from '../deps.ts';
import { rateLimits } from '../db/schema.ts';

// This module owns every write to `rate_limits`. Counters live in the database so the
// limit holds across processes and Workers isolates.

/** Counts one hit in a fixed window; answers how long to wait when over the limit. */
export async function hitRateLimit(deps: Pick<Deps, 'db' | 'now' | 'config' | 'log'>, key: string): Promise<{ retryAfter: number } | null> {
  const limit = deps.config.rateLimit;
  if (!limit) return null;
  const now = deps.now();
  const expired = sql`${rateLimits.windowStart} <= ${now - limit.windowMs}`;
  const [row] = await countHit(deps, key, now, expired);
  if (!row || row.count <= limit.max) return null;
  return { retryAfter: Math.max(1, Math.ceil((row.windowStart + limit.windowMs - now) / 1000)) };
}

/** The upsert; a database that cannot take it answers 503 like any failed write. */
async function countHit(deps: Pick<Deps, 'db' | 'log'>, key: string, now: number, expired: SQL) {
  try {
    return await deps.db
      .insert(rateLimits)
      .values({ key, windowStart: now, count: 1 })
      .onConflictDoUpdate({
        target: rateLimits.key,
        // SQLite evaluates every SET expression against the old row.
        set: {
          count: sql`CASE WHEN ${expired} THEN 1 ELSE ${rateLimits.count} + 1 END`,
          windowStart: sql`CASE WHEN ${expired} THEN ${now} ELSE ${rateLimits.windowStart} END`,
        },
      })
      .returning();
  } catch (error) {
    deps.log.error('rate limit not counted', { error: String(error) });
    throw new HttpError('unavailable', 'The submission could not be stored; nothing was kept. Please try again.');
  }
}

/** Forgets a counter, e.g. after a successful sign-in. */
export async function clearRateLimit(deps: Pick<Deps, 'db'>, key: string): Promise<void> {
  await deps.db.delete(rateLimits).where(eq(rateLimits.key, key));
}

/** Sign-in attempts per IP: always on, whatever RATE_LIMIT says. */
export const ADMIN_LOGIN_LIMIT = { max: 10, windowMs: 600_000 };

/**
 * Drops counters whose window has passed; called by the periodic sweep. The longest
 * window in use decides, so sign-in counters outlive a shorter RATE_LIMIT window.
 */
export async function pruneRateLimits(deps: Pick<Deps, 'db' | 'now' | 'config'>): Promise<void> {
  const longest = Math.max(deps.config.rateLimit?.windowMs ?? 0, ADMIN_LOGIN_LIMIT.windowMs);
  await deps.db.delete(rateLimits).where(lt(rateLimits.windowStart, deps.now() - longest));
}
