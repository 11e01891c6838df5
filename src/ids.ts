import { hash, timingSafeEqual } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

// Random bytes fetched 4 KiB at a time: one call per id showed up on the hot path.
let pool = new Uint8Array(0);
let offset = 0;
function randomByte(): number {
  if (offset >= pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(4096));
    offset = 0;
  }
  return pool[offset++]!;
}

let lastTime = -1;
let lastRandom: number[] = [];

/**
 * A ULID: 48 bits of milliseconds then 80 random bits, in Crockford base32, so ids sort
 * by creation time and serve as pagination cursors. Within one millisecond the random
 * part counts up (monotonic ULIDs), so "newest first" holds for a burst too.
 */
export function ulid(now: number): string {
  if (now <= lastTime) {
    let i = lastRandom.length - 1;
    while (i >= 0 && lastRandom[i] === 31) lastRandom[i--] = 0;
    if (i >= 0) lastRandom[i]! += 1;
  } else {
    lastTime = now;
    lastRandom = Array.from({ length: 16 }, () => randomByte() % 32);
  }
  let time = '';
  for (let t = lastTime, i = 0; i < 10; i++, t = Math.floor(t / 32)) time = CROCKFORD[t % 32] + time;
  return time + lastRandom.map((digit) => CROCKFORD[digit]).join('');
}

/**
 * Hex SHA-256. node:crypto's one-shot synchronous hash exists on Node (>= 20.12) and on
 * Workers (nodejs_compat), and costs a third of createHash().update().digest(); Web Crypto's
 * digest is async and, on Node, a threadpool round trip per call, which showed up as the
 * main cost of the submission hot path.
 */
export function sha256(text: string): string {
  return hash('sha256', text, 'hex');
}

/** Compares secrets without leaking where they differ through timing. */
export function secretsEqual(given: string, expected: string): boolean {
  // Hashing first gives equal lengths, which timingSafeEqual requires, and hides the secret's length.
  return timingSafeEqual(Buffer.from(sha256(given), 'hex'), Buffer.from(sha256(expected), 'hex'));
}

/** The first ten characters of every ULID made at `ms`: ids below it were made earlier, which the (form, id) index finds fast. */
export function ulidTimePrefix(ms: number): string {
  let time = '';
  for (let t = Math.max(0, Math.floor(ms)), i = 0; i < 10; i++, t = Math.floor(t / 32)) time = CROCKFORD[t % 32] + time;
  return time;
}

/** A URL-safe random secret from Web Crypto (Node and Workers alike). */
export function randomSecret(bytes = 24): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...raw))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}
