import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The `_ticket` a page fetches before the visitor types: the issue time signed with a server
 * secret for one form. It needs no state, so any process or Worker isolate can check it, and
 * nobody can forge an older one to skip the minimum fill time. HMAC from node:crypto: it is
 * synchronous (Workers have it with nodejs_compat), a few µs where Web Crypto is a promise.
 */

/** A tab left open for a day still posts normally; an older ticket counts as `bad_ticket`. */
export const TICKET_MAX_AGE_MS = 24 * 3_600_000;
/** Clocks of two servers may disagree a little; a ticket from further ahead is forged. */
const CLOCK_SKEW_MS = 60_000;

const signature = (secret: string, formId: string, issuedAt: number) =>
  createHmac('sha256', secret).update(`${formId}\n${issuedAt}`).digest('base64url').slice(0, 32);

export function issueTicket(secret: string, formId: string, now: number): string {
  return `${now.toString(36)}.${signature(secret, formId, now)}`;
}

export type TicketVerdict = 'too_fast' | 'bad_ticket' | null;

/** Why a ticket makes a submission spam, or null when it is fine. */
export function judgeTicket(secret: string, formId: string, ticket: string, now: number, minSeconds: number): TicketVerdict {
  const match = /^([0-9a-z]{1,11})\.([\w-]{32})$/.exec(ticket);
  if (!match) return 'bad_ticket';
  const issuedAt = parseInt(match[1]!, 36);
  const expected = Buffer.from(signature(secret, formId, issuedAt));
  if (!timingSafeEqual(Buffer.from(match[2]!), expected)) return 'bad_ticket';
  const age = now - issuedAt;
  if (age < -CLOCK_SKEW_MS || age > TICKET_MAX_AGE_MS) return 'bad_ticket';
  return age < minSeconds * 1000 ? 'too_fast' : null;
}
