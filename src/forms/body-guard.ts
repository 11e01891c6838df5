import { AppError } from '../errors.ts';

/**
 * Bodies being read at once. A body is buffered whole before it is parsed, so this bounds
 * that memory (at most 64 × the 1 MB body limit); the per-address share keeps one address
 * from taking every slot. docs/security.md, "Slow and large bodies", has the figures.
 */
export const BODY_READS = { perAddress: 4, total: 64 } as const;
/** Seconds a refused visitor is asked to wait: a slot frees once a body arrives or its deadline passes. */
const RETRY_AFTER = 5;

/** Reads a body in a slot of its own, or refuses it before a byte is buffered. */
export type BodyGuard = <T>(subject: string | undefined, read: () => Promise<T>) => Promise<T>;

/**
 * Counts the bodies being read, per address (`rateLimitSubject`: an IPv6 visitor is their
 * /64) and in total, and refuses one more with 429 (this address) or 503 (everyone), with
 * Retry-After. The slot is held only while the body is read and parsed, not while it is
 * stored: a quick visitor's body arrives with its headers and holds it for microseconds.
 * Per app instance: on Workers, per isolate.
 */
export function bodyGuard(limits: { perAddress: number; total: number } = BODY_READS): BodyGuard {
  const reading = new Map<string, number>();
  let total = 0;
  return async function guardedRead(subject, read) {
    const mine = subject === undefined ? 0 : (reading.get(subject) ?? 0);
    if (mine >= limits.perAddress) {
      throw new AppError('rate_limited', 'Too many submissions are being sent from your address at once; try again shortly', {
        retryAfter: RETRY_AFTER,
      });
    }
    if (total >= limits.total) {
      throw new AppError('unavailable', 'Too many submissions are arriving at once; please try again shortly', {
        retryAfter: RETRY_AFTER,
      });
    }
    total++;
    if (subject !== undefined) reading.set(subject, mine + 1);
    try {
      return await read();
    } finally {
      total--;
      if (subject !== undefined) {
        const left = reading.get(subject)! - 1;
        if (left === 0) reading.delete(subject);
        else reading.set(subject, left);
      }
    }
  };
}
