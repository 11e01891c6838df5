import { claimDue, commitDeliveryWrites, outcomeWrites, releaseHeld, retryWrites, type DeliveryChange } from '../db/deliveries.ts';
import type { Delivery } from '../db/schema.ts';
import { chunks } from '../db/statements.ts';
import { storedSizes, submissionsWithForms } from '../db/submissions.ts';
import type { Deps } from '../deps.ts';
import { alertChannel } from './alert-channel.ts';
import { channelsFor, type Source } from './channel.ts';
import { foldedRuns } from './folded-runs.ts';
import { LeaseKeeper } from './lease.ts';
import type { SendResult } from './mailer.ts';
import { sameList, without } from './recipients.ts';
import { attemptOutcome, nextState, outcomeOf } from './retry-policy.ts';

// Everything that leaves the server goes through here: claimed with a lease, sent by its
// channel, recorded with its outcome. The SQL is db/deliveries.ts's; the policy retry-policy.ts's.

/** How much one run may take on: Workers cap queries, sockets and time per invocation. */
export type OutboxLimits = { claimLimit: number; maxChunks: number };

const NODE_LIMITS: OutboxLimits = { claimLimit: 100, maxChunks: Infinity };

/**
 * How much stored data a chunk renders and hands to the transport at once. A 1 MB submission
 * is about 20 MB once rendered and encoded: all of a chunk at once once took 2 GB.
 */
const SENDING_BYTES = 2 * 1024 * 1024;

/** Ids one claim names: the claim's statements repeat them, and D1 binds at most 100 parameters per statement. */
const CLAIM_BY_IDS = 50;

export type Outbox = ReturnType<typeof createOutbox>;

/**
 * The chunk in turns whose stored data adds up to at most SENDING_BYTES (a bigger submission
 * has a turn alone). Notifications of ordinary size all share the first.
 */
function turnsOf(claimed: Delivery[], sizes: Map<string, number>): Delivery[][] {
  const turns: Delivery[][] = [];
  let taken = Infinity;
  for (const delivery of claimed) {
    const size = sizes.get(delivery.submissionId) ?? 0;
    if (taken + size > SENDING_BYTES) {
      turns.push([]);
      taken = 0;
    }
    turns[turns.length - 1]!.push(delivery);
    taken += size;
  }
  return turns;
}

export function createOutbox(deps: Deps, limits: OutboxLimits = NODE_LIMITS) {
  const { db, config } = deps;
  /** Writes go through `deps.commit`, as the submission path's do (docs/decisions.md, group commit). */
  const write = (queries: Parameters<typeof commitDeliveryWrites>[1]) => commitDeliveryWrites(deps.commit, queries);
  const channels = channelsFor(deps);
  const alerts = alertChannel(deps);

  async function claim(now: number, ids?: string[]): Promise<Delivery[]> {
    const [, claimed] = await write(claimDue(db, now, limits.claimLimit, now + config.lease, ids));
    return claimed!;
  }

  /** A turn's sources; when one row cannot be read (its JSON damaged), each is read alone so only it fails. */
  async function readTurn(turn: Delivery[]): Promise<(Source | Error | undefined)[]> {
    const ids = (part: Delivery[]) => part.map((d) => d.submissionId);
    try {
      const sources = await submissionsWithForms(db, ids(turn));
      return turn.map((delivery) => sources.get(delivery.submissionId));
    } catch {
      const alone = (delivery: Delivery) =>
        submissionsWithForms(db, ids([delivery])).then(
          (sources) => sources.get(delivery.submissionId),
          (error: unknown) => error as Error,
        );
      return Promise.all(turn.map(alone));
    }
  }

  /** One attempt at one delivery, addressed to `to`; expected failures come back as values. */
  function attempt(delivery: Delivery, source: Source | Error | undefined, to: string[]): Promise<SendResult> {
    // About the outbox itself, not a submission: it needs no source.
    if (delivery.channel === 'alert') return alerts.send(delivery);
    // Recorded and retried like any temporary failure; the rest of the chunk goes on.
    if (source instanceof Error)
      return Promise.resolve({ ok: false, temporary: true, error: `could not read the submission: ${String(source)}` });
    if (!source) return Promise.resolve({ ok: false, temporary: false, error: 'the submission or its form was deleted' });
    // The owner removed everyone who was still waiting for it from the form.
    if (delivery.channel === 'email' && to.length === 0)
      return Promise.resolve({ ok: true, response: 'nothing sent: every recipient of the form already has it' });
    const channel = channels[delivery.channel];
    // An email delivery claimed after SMTP was removed from the configuration.
    if (!channel) return Promise.resolve({ ok: false, temporary: true, error: `no ${delivery.channel} channel is configured` });
    return channel.send(delivery, source, to);
  }

  /**
   * Sends one claimed chunk, a turn at a time (the pool bounds connections), and records it in
   * one commit guarded by the claim's lease: a worker that took over after the lease expired
   * owns the row now. Answers when each delivery that is to be tried again is due.
   */
  async function deliverChunk(claimed: Delivery[]): Promise<Map<string, number>> {
    const lease = new LeaseKeeper(deps, claimed);
    const results: SendResult[] = [];
    const addressed: string[][] = [];
    try {
      const sizes = await storedSizes(
        db,
        claimed.map((d) => d.submissionId),
      );
      for (const turn of turnsOf(claimed, sizes)) {
        const sources = await readTurn(turn);
        const sent = turn.map((delivery, i) => {
          const source = sources[i];
          // The form's recipients as they are now: an address the owner corrected gets the retry.
          const to =
            delivery.channel === 'email' && source && !(source instanceof Error)
              ? without(source.form.recipients, delivery.deliveredTo)
              : delivery.recipients;
          addressed.push(to);
          return attempt(delivery, source, to);
        });
        results.push(...(await Promise.all(sent)));
      }
    } finally {
      await lease.stop();
    }
    const now = deps.now();
    const outcomes = results.map(outcomeOf);
    // The common case, sent to the same addresses as before, is one UPDATE for the whole chunk:
    // `deliveredTo` of a sent delivery is not read again (a manual retry of it sends to everyone).
    const sentAsAddressed = claimed.map((delivery, i) => outcomes[i]!.ok && sameList(addressed[i]!, delivery.recipients));
    const changes: { id: string; change: DeliveryChange }[] = claimed.flatMap((delivery, i) =>
      sentAsAddressed[i] ? [] : [{ id: delivery.id, change: nextState(delivery, outcomes[i]!, now, addressed[i]!, config) }],
    );
    const retryAt = new Map<string, number>();
    for (const { id, change } of changes) if (change.status === 'pending') retryAt.set(id, change.nextAttemptAt!);
    const statusOf = new Map(changes.map(({ id, change }) => [id, change.status]));
    claimed.forEach((delivery, i) => {
      const outcome = outcomes[i]!;
      // One line per failed attempt, whatever the runtime: the timeline is in D1, the log is where an owner looks first.
      if (!outcome.ok)
        deps.log.error(`delivery ${delivery.id} attempt ${delivery.attempts} failed, now ${statusOf.get(delivery.id)}: ${outcome.error}`);
    });
    await write(
      outcomeWrites(db, {
        now,
        leaseUntil: lease.current,
        attempts: claimed.map((delivery, i) => ({
          id: delivery.id,
          outcome: attemptOutcome(outcomes[i]!),
          reply: outcomes[i]!.reply,
          relay: outcomes[i]!.relay ?? null,
        })),
        sentIds: claimed.filter((_, i) => sentAsAddressed[i]).map((d) => d.id),
        changes,
      }),
    );
    return retryAt;
  }

  async function sweep(): Promise<void> {
    // SMTP is configured now: notifications held while it was not go out.
    if (deps.mailer) await write([releaseHeld(db, deps.now())]);
    for (let chunk = 0; chunk < limits.maxChunks; chunk++) {
      const claimed = await claim(deps.now());
      if (claimed.length === 0) return;
      await deliverChunk(claimed);
    }
  }

  const runs = foldedRuns(sweep);
  return {
    /** Delivers everything due; `settled` resolves once no sweep runs. */
    ...runs,

    /** New or retried deliveries are due: the queue's consumer sends them when there is one, else a sweep here. */
    wake(ids: string[]): Promise<unknown> {
      return deps.enqueue ? deps.enqueue(ids) : runs.run();
    },

    /**
     * Sends the named deliveries that are due, all in this invocation (a queue batch: its
     * mailer holds one connection for all). Rows sent, not due or held by another run are left
     * alone; answers when each one that failed for now is due again.
     */
    async deliver(ids: string[]): Promise<Map<string, number>> {
      const retryAt = new Map<string, number>();
      for (const part of chunks(ids, CLAIM_BY_IDS)) {
        const claimed = await claim(deps.now(), part);
        if (claimed.length > 0) for (const [id, at] of await deliverChunk(claimed)) retryAt.set(id, at);
      }
      return retryAt;
    },

    /**
     * Makes a delivery due now, whatever became of it, with a fresh DELIVERY_MAX_AGE; held
     * stays held until SMTP exists. It goes to the form's recipients as they are then: those
     * who already accepted it are skipped, unless it was sent, which makes this a re-send to all.
     */
    async retry(id: string): Promise<Delivery | undefined> {
      const [, rows] = await write(retryWrites(db, id, deps.now(), !deps.mailer));
      return rows![0];
    },
  };
}
