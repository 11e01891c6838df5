import { and, eq, lt, not, or, sql } from 'drizzle-orm';
import type { Db, Row, WriteStatement } from './client.ts';
import { rateLimits } from './schema.ts';
import { statementOf, statementTemplate } from './statements.ts';

// This module owns every write to `rate_limits`. Counters live in the database so a limit
// holds across processes and Workers isolates; forms/rate-limit.ts decides what they mean.

/**
 * The upsert that counts a hit: a new window when the old one has ended, else one more.
 * SQLite evaluates every SET expression against the old row. Prepared once: it runs on every
 * submission.
 */
const countHitTemplate = statementTemplate<{ key: string; now: number; endedBefore: number }>((db) => {
  const ended = sql`${rateLimits.windowStart} <= ${sql.placeholder('endedBefore')}`;
  return db
    .insert(rateLimits)
    .values({ key: sql.placeholder('key'), windowStart: sql.placeholder('now'), count: 1 })
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        count: sql`CASE WHEN ${ended} THEN 1 ELSE ${rateLimits.count} + 1 END`,
        windowStart: sql`CASE WHEN ${ended} THEN ${sql.placeholder('now')} ELSE ${rateLimits.windowStart} END`,
      },
    })
    .returning({ count: rateLimits.count, windowStart: rateLimits.windowStart });
});

/** One more hit on `key` in a window of `windowMs` ending now; the statement returns the count and the window's start. */
export const countHit = (db: Db, key: string, now: number, windowMs: number): WriteStatement =>
  countHitTemplate(db, { key, now, endedBefore: now - windowMs });

/** What countHit's statement returned: the count in the current window and when that window began. */
export const countOf = (row: Row | undefined) => ({ count: Number(row?.count), windowStart: Number(row?.window_start) });

/** A counter as it stands, without counting a hit. */
export async function readCount(db: Db, key: string): Promise<{ count: number; windowStart: number } | undefined> {
  const [row] = await db
    .select({ count: rateLimits.count, windowStart: rateLimits.windowStart })
    .from(rateLimits)
    .where(eq(rateLimits.key, key));
  return row;
}

/** Forgets a counter. */
export const clearCount = (db: Db, key: string): WriteStatement => statementOf(db.delete(rateLimits).where(eq(rateLimits.key, key)));

/** Drops counters whose window began before `before`; those whose key starts with `longer.prefix`, before `longer.before`. */
export const pruneCounts = (db: Db, before: number, longer?: { prefix: string; before: number }): WriteStatement => {
  if (!longer) return statementOf(db.delete(rateLimits).where(lt(rateLimits.windowStart, before)));
  const isLonger = sql`substr(${rateLimits.key}, 1, ${longer.prefix.length}) = ${longer.prefix}`;
  return statementOf(
    db
      .delete(rateLimits)
      .where(or(and(not(isLonger), lt(rateLimits.windowStart, before)), and(isLonger, lt(rateLimits.windowStart, longer.before)))),
  );
};
