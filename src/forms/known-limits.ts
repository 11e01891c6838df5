import type { Deps } from '../deps.ts';
import { findByIdempotencyKey } from '../db/submissions.ts';
import { AppError } from '../errors.ts';

/** Enough for every address limited at once in an ordinary flood; past it the oldest is forgotten. */
const MAX_REMEMBERED = 10_000;

/**
 * Rate-limit counters the database last said were over their limit, and until when: a
 * later request from that address is refused before its body is read or parsed. The
 * database stays the truth (across processes, and Workers isolates each keep their own
 * memory); a counter forgotten here is only counted there again, after its body is parsed.
 * A Map keeps insertion order, so the first key is the oldest.
 */
export function knownLimits(maxRemembered = MAX_REMEMBERED) {
  const limitedUntil = new Map<string, number>();

  /** Seconds to wait while `key` is known to be over its limit; null when it is not. */
  const waitFor = (key: string, now: number): number | null => {
    const until = limitedUntil.get(key);
    if (until === undefined) return null;
    if (until > now) return Math.ceil((until - now) / 1000);
    limitedUntil.delete(key);
    return null;
  };

  return {
    /** Passes on what a count answered, remembering an over-the-limit one. */
    note(key: string, now: number, limited: { retryAfter: number } | null) {
      if (!limited) return null;
      limitedUntil.delete(key);
      if (limitedUntil.size >= maxRemembered) limitedUntil.delete(limitedUntil.keys().next().value!);
      limitedUntil.set(key, now + limited.retryAfter * 1000);
      return limited;
    },

    /**
     * Refuses with 429 an address known to be over its limit, before its body is read. A
     * replay of a stored submission (its Idempotency-Key header is found) passes: replays are
     * never counted and get the first answer. One lookup, made only for limited addresses.
     */
    async refuseKnown(deps: Pick<Deps, 'db' | 'now'>, key: string, formId: string, idempotencyHeader: string | undefined) {
      const retryAfter = waitFor(key, deps.now());
      if (retryAfter === null) return;
      const replayKey = idempotencyHeader?.trim();
      if (replayKey && (await findByIdempotencyKey(deps.db, formId, replayKey))) return;
      throw new AppError('rate_limited', 'Too many submissions; try again later', { retryAfter });
    },
  };
}
