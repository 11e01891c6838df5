import type { Delivery } from '../db/schema.ts';
import type { AttemptRecord, DeliveryChange } from '../db/deliveries.ts';
import type { Relay, SendResult } from './mailer.ts';
import { union, without } from './recipients.ts';

// What an attempt means for its delivery, MTA style (RELIABILITY rule 3): pure functions, so
// the policy is tested without a server or a database.

/** What one attempt means for its delivery; `recipients` are the ones still to deliver when that changed. */
export type Outcome = (
  { ok: true; reply: string } | { ok: false; temporary: boolean; error: string; reply: string; recipients?: string[] }
) & {
  relay?: Relay;
};

export type RetryPolicy = { retrySchedule: number[]; maxAge: number };

/**
 * A message the server took for some recipients and refused for others failed for the
 * refused ones only: they are all that is left, so a retry sends nobody a second copy.
 */
export function outcomeOf(result: SendResult): Outcome {
  if (!result.ok) return { ...result, reply: result.error };
  const relay = result.relay && { relay: result.relay };
  if (!result.refused?.length) return { ok: true, reply: result.response, ...relay };
  // The server's reply first, as everywhere, then whom it was about.
  const error = result.refused.map((r) => `${r.error} (${r.recipient})`).join('; ');
  return {
    ok: false,
    temporary: result.refused.some((r) => r.temporary),
    error,
    reply: `${result.response}; refused ${error}`,
    recipients: result.refused.map((r) => r.recipient),
    ...relay,
  };
}

/** How the attempt is named in the delivery's timeline. */
export const attemptOutcome = (outcome: Outcome): AttemptRecord['outcome'] =>
  outcome.ok ? 'sent' : outcome.temporary ? 'temporary' : 'permanent';

/**
 * The delivery after an attempt addressed to `addressed`. Whoever accepted joins
 * `deliveredTo`, so no later attempt sends them a second copy; `recipients` says whom the
 * attempt was for, or after a partial refusal, who is left. A temporary failure waits the
 * schedule's step for this attempt (the last step repeats) until DELIVERY_MAX_AGE has passed
 * since `retrySince`; a permanent one fails at once.
 */
export function nextState(
  delivery: Pick<Delivery, 'deliveredTo' | 'retrySince' | 'attempts'>,
  outcome: Outcome,
  now: number,
  addressed: string[],
  policy: RetryPolicy,
): DeliveryChange {
  const refused = outcome.ok ? [] : (outcome.recipients ?? addressed);
  const addressing = {
    recipients: outcome.ok ? addressed : refused,
    deliveredTo: union(delivery.deliveredTo, without(addressed, refused)),
  };
  if (outcome.ok) return { status: 'sent', sentAt: now, lastError: null, nextAttemptAt: null, ...addressing };
  const expired = now - delivery.retrySince >= policy.maxAge;
  if (!outcome.temporary || expired) return { status: 'failed', lastError: outcome.error, nextAttemptAt: null, ...addressing };
  const schedule = policy.retrySchedule;
  const wait = schedule[Math.min(delivery.attempts - 1, schedule.length - 1)]!;
  return { status: 'pending', lastError: outcome.error, nextAttemptAt: now + wait, ...addressing };
}
