import { and, asc, eq, inArray, lt, lte, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { Deps } from '../deps.ts';
import { deliveries, deliveryAttempts, forms, submissions, type Delivery, type Form, type Submission } from '../db/schema.ts';
import { chunks, insertStatements, PARAMS_PER_STATEMENT, rowDecoder, statementOf, type Buildable } from '../db/statements.ts';
import { ulid } from '../ids.ts';
import type { SendResult } from './mailer.ts';
import { messageIdDomain, renderNotification } from './render.ts';

// This module owns every write to `deliveries` and `delivery_attempts`.

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

/**
 * Addresses compared as mail servers compare them in practice, without case: nodemailer
 * lower-cases the domain of a refused recipient, and an owner may retype an address in capitals.
 */
const mailbox = (address: string) => address.toLowerCase();
const without = (addresses: string[], removed: string[]) => {
  const gone = new Set(removed.map(mailbox));
  return addresses.filter((address) => !gone.has(mailbox(address)));
};
const union = (a: string[], b: string[]) => [...a, ...without(b, a)];
const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((item, i) => mailbox(item) === mailbox(b[i]!));

const deliveryInsert = insertStatements(deliveries);
const decodeDelivery = rowDecoder(deliveries);

/** The row for a new submission's notification; the caller commits it with the submission. */
export function newDelivery(
  deps: Pick<Deps, 'config' | 'mailer' | 'db'>,
  recipients: string[],
  submissionId: string,
  now: number,
  id = ulid(now),
) {
  return deliveryInsert(deps.db, {
    id,
    submissionId,
    recipients,
    // Without SMTP the notification waits, visible, until a mailer is configured.
    status: deps.mailer ? 'pending' : 'held',
    createdAt: now,
    retrySince: now,
    nextAttemptAt: now,
    // One Message-ID for every attempt, so a duplicate after an ambiguous failure is recognisable.
    messageId: `<${id.toLowerCase()}@${messageIdDomain(deps.config.mailFrom)}>`,
  });
}

/** Deletes a submission's deliveries and their history; for the submissions module's delete batch. */
export function deliveryDeletes(db: Deps['db'], submissionIds: string[] | SQLWrapper) {
  const ids = db.select({ id: deliveries.id }).from(deliveries).where(inArray(deliveries.submissionId, submissionIds));
  return [
    db.delete(deliveryAttempts).where(inArray(deliveryAttempts.deliveryId, ids)),
    db.delete(deliveries).where(inArray(deliveries.submissionId, submissionIds)),
  ] as const;
}

export type Outbox = ReturnType<typeof createOutbox>;

/** What a notification is rendered from. */
type Source = { form: Form; submission: Submission };

/** What one attempt means for its delivery; `recipients` are the ones still to deliver when that changed. */
type Outcome = { ok: true; reply: string } | { ok: false; temporary: boolean; error: string; reply: string; recipients?: string[] };

/**
 * A message the server took for some recipients and refused for others failed for the
 * refused ones only: they are all that is left, so a retry sends nobody a second copy.
 */
function outcomeOf(result: SendResult): Outcome {
  if (!result.ok) return { ...result, reply: result.error };
  if (!result.refused?.length) return { ok: true, reply: result.response };
  // The server's reply first, as everywhere, then whom it was about.
  const error = result.refused.map((r) => `${r.error} (${r.recipient})`).join('; ');
  return {
    ok: false,
    temporary: result.refused.some((r) => r.temporary),
    error,
    reply: `${result.response}; refused ${error}`,
    recipients: result.refused.map((r) => r.recipient),
  };
}

const INTERRUPTED =
  'no outcome recorded: the lease ran out while it was being sent (the process stopped or stalled); sending again with the same Message-ID';

export function createOutbox(deps: Deps, limits: OutboxLimits = NODE_LIMITS) {
  const { db, config } = deps;

  /**
   * The outbox writes through `deps.commit`, as the submission path does: on Node's file
   * database a write on the main connection would fsync on the event loop, and while the
   * commit thread holds the write lock it would sleep there in SQLite's busy handler.
   */
  async function write(queries: Buildable[]): Promise<Delivery[][]> {
    const results = await deps.commit(queries.map(statementOf));
    return results.map((rows) => rows.map(decodeDelivery));
  }

  /** An attempt cut short left no outcome: the timeline says so, so it matches `attempts`. */
  const recordInterrupted = (now: number, where: SQL | undefined) =>
    db.insert(deliveryAttempts).select(
      db
        .select({
          id: sql<number>`null`.as('id'),
          deliveryId: deliveries.id,
          at: sql<number>`${now}`.as('at'),
          outcome: sql<'interrupted'>`'interrupted'`.as('outcome'),
          reply: sql<string>`${INTERRUPTED}`.as('reply'),
        })
        .from(deliveries)
        .where(and(eq(deliveries.status, 'sending'), where)),
    );

  /**
   * Takes due rows (and rows whose lease ran out after a crash) in one statement, so two workers
   * never claim one at once; only those of `ids` when given (a queue batch names its deliveries).
   */
  async function claim(now: number, ids?: string[]): Promise<Delivery[]> {
    const leaseRanOut = and(eq(deliveries.status, 'sending'), lte(deliveries.leaseUntil, now));
    const due = db
      .select({ id: deliveries.id })
      .from(deliveries)
      .where(
        and(ids && inArray(deliveries.id, ids), or(and(eq(deliveries.status, 'pending'), lte(deliveries.nextAttemptAt, now)), leaseRanOut)),
      )
      .orderBy(asc(deliveries.nextAttemptAt))
      .limit(limits.claimLimit);
    const [, claimed] = await write([
      recordInterrupted(now, and(inArray(deliveries.id, due), leaseRanOut)),
      db
        .update(deliveries)
        .set({ status: 'sending', leaseUntil: now + config.lease, attempts: sql`${deliveries.attempts} + 1` })
        .where(inArray(deliveries.id, due))
        .returning(),
    ]);
    return claimed!;
  }

  /**
   * Keeps a chunk's lease alive while it is being sent: a big chunk queued on a few pooled
   * connections may outlast DELIVERY_LEASE, and another worker must not take over rows that
   * are still on their way. Renewals and the final record never overlap, so the record's
   * lease guard sees the current value.
   */
  class LeaseKeeper {
    current: number;
    #renewing: Promise<void> = Promise.resolve();
    #timer: ReturnType<typeof setInterval>;
    constructor(claimed: Delivery[]) {
      this.current = claimed[0]!.leaseUntil!;
      const ids = claimed.map((d) => d.id);
      this.#timer = setInterval(() => {
        this.#renewing = this.#renewing
          .then(() => this.#renew(ids))
          .catch((error: unknown) => deps.log.error('lease not renewed', { deliveries: ids.length, first: ids[0], error: String(error) }));
      }, config.lease / 3);
    }
    async #renew(ids: string[]): Promise<void> {
      const next = deps.now() + config.lease;
      const renewals = chunks(ids, PARAMS_PER_STATEMENT).map((part) =>
        db
          .update(deliveries)
          .set({ leaseUntil: next })
          .where(and(inArray(deliveries.id, part), eq(deliveries.status, 'sending'), eq(deliveries.leaseUntil, this.current))),
      );
      await write(renewals);
      this.current = next;
    }
    async stop(): Promise<void> {
      clearInterval(this.#timer);
      await this.#renewing;
    }
  }

  /**
   * The delivery after an attempt addressed to `addressed`. Whoever accepted joins
   * `deliveredTo`, so no later attempt sends them a second copy; `recipients` says whom the
   * attempt was for, or after a partial refusal, who is left.
   */
  function nextState(delivery: Delivery, outcome: Outcome, now: number, addressed: string[]) {
    const refused = outcome.ok ? [] : (outcome.recipients ?? addressed);
    const addressing = {
      recipients: outcome.ok ? addressed : refused,
      deliveredTo: union(delivery.deliveredTo, without(addressed, refused)),
    };
    if (outcome.ok) return { status: 'sent' as const, sentAt: now, lastError: null, nextAttemptAt: null, ...addressing };
    const expired = now - delivery.retrySince >= config.maxAge;
    if (!outcome.temporary || expired) return { status: 'failed' as const, lastError: outcome.error, nextAttemptAt: null, ...addressing };
    const schedule = config.retrySchedule;
    const wait = schedule[Math.min(delivery.attempts - 1, schedule.length - 1)]!;
    return { status: 'pending' as const, lastError: outcome.error, nextAttemptAt: now + wait, ...addressing };
  }

  /** Each claimed delivery's form and submission, read in a few statements rather than one per row. */
  async function sourcesOf(claimed: Delivery[]): Promise<Map<string, Source>> {
    const ids = [...new Set(claimed.map((d) => d.submissionId))];
    const rows = await Promise.all(
      chunks(ids, PARAMS_PER_STATEMENT).map((part) =>
        db
          .select({ form: forms, submission: submissions })
          .from(submissions)
          .innerJoin(forms, eq(forms.id, submissions.formId))
          .where(inArray(submissions.id, part)),
      ),
    );
    return new Map(rows.flat().map((row) => [row.submission.id, row]));
  }

  async function attempt(delivery: Delivery, source: Source | undefined, addressed: string[]): Promise<SendResult> {
    if (!source) return { ok: false, temporary: false, error: 'the submission or its form was deleted' };
    // The owner removed everyone who was still waiting for it from the form.
    if (addressed.length === 0) return { ok: true, response: 'nothing sent: every recipient of the form already has it' };
    let message;
    try {
      message = renderNotification({
        form: { ...source.form, recipients: addressed },
        submission: source.submission,
        messageId: delivery.messageId,
        mailFrom: config.mailFrom,
        publicUrl: config.publicUrl,
      });
    } catch (error) {
      // A message that cannot be rendered fails alone and visibly, not its whole chunk.
      deps.log.error('notification not rendered', { deliveryId: delivery.id, error: String(error) });
      return { ok: false, temporary: false, error: `could not render the message: ${String(error)}` };
    }
    return deps.mailer!.send(message);
  }

  /**
   * The chunk in turns whose stored data adds up to at most SENDING_BYTES (a bigger submission
   * has a turn alone). Notifications of ordinary size all share the first.
   */
  async function turnsOf(claimed: Delivery[]): Promise<Delivery[][]> {
    const ids = [...new Set(claimed.map((d) => d.submissionId))];
    const rows = await Promise.all(
      chunks(ids, PARAMS_PER_STATEMENT).map((part) =>
        db
          .select({ id: submissions.id, size: sql<number>`length(${submissions.data})` })
          .from(submissions)
          .where(inArray(submissions.id, part)),
      ),
    );
    const sizes = new Map(rows.flat().map((row) => [row.id, Number(row.size)]));
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

  /** A turn's sources; when one row cannot be read (its JSON damaged), each is read alone so only it fails. */
  async function readTurn(turn: Delivery[]): Promise<(Source | Error | undefined)[]> {
    try {
      const sources = await sourcesOf(turn);
      return turn.map((delivery) => sources.get(delivery.submissionId));
    } catch {
      return Promise.all(
        turn.map((delivery) =>
          sourcesOf([delivery]).then(
            (sources) => sources.get(delivery.submissionId),
            (error: unknown) => error as Error,
          ),
        ),
      );
    }
  }

  /**
   * Sends one claimed chunk, a turn at a time (the pool bounds connections), and records it in
   * one commit: one UPDATE for everything sent, one per other outcome, attempts in multi-row
   * inserts. Every row of a claim carries the same lease, which guards each update: a worker
   * that took over after the lease expired owns the row now. Answers when each delivery that
   * is to be tried again is due.
   */
  async function deliverChunk(claimed: Delivery[]): Promise<Map<string, number>> {
    const lease = new LeaseKeeper(claimed);
    const results: SendResult[] = [];
    const addressed: string[][] = [];
    try {
      for (const turn of await turnsOf(claimed)) {
        const sources = await readTurn(turn);
        const sent = turn.map((delivery, i) => {
          const source = sources[i];
          if (source instanceof Error) {
            // Recorded and retried like any temporary failure; the rest of the chunk goes on.
            addressed.push(delivery.recipients);
            return Promise.resolve<SendResult>({ ok: false, temporary: true, error: `could not read the submission: ${String(source)}` });
          }
          // The form's recipients as they are now: an address the owner corrected gets the retry.
          const to = source ? without(source.form.recipients, delivery.deliveredTo) : delivery.recipients;
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
    const leaseUntil = lease.current;
    const stillOurs = (ids: string[]) =>
      and(inArray(deliveries.id, ids), eq(deliveries.status, 'sending'), eq(deliveries.leaseUntil, leaseUntil));
    // The common case, sent to the same addresses as before, is one UPDATE for the whole chunk:
    // `deliveredTo` of a sent delivery is not read again (a manual retry of it sends to everyone).
    const sentAsAddressed = claimed.map((delivery, i) => outcomes[i]!.ok && sameList(addressed[i]!, delivery.recipients));
    const sentIds = claimed.filter((_, i) => sentAsAddressed[i]).map((d) => d.id);
    const next = claimed.map((delivery, i) => (sentAsAddressed[i] ? null : nextState(delivery, outcomes[i]!, now, addressed[i]!)));
    const retryAt = new Map<string, number>();
    claimed.forEach((delivery, i) => {
      const outcome = outcomes[i]!;
      if (next[i]?.status === 'pending') retryAt.set(delivery.id, next[i].nextAttemptAt!);
      // One line per failed attempt, whatever the runtime: the timeline is in D1, the log is where an owner looks first.
      if (!outcome.ok)
        deps.log.error(`delivery ${delivery.id} attempt ${delivery.attempts} failed, now ${next[i]!.status}: ${outcome.error}`);
    });
    const writes = [
      // First, while the rows still say `sending` under our lease: a worker that stalled past its
      // lease was already recorded as interrupted and taken over, so its late outcome adds no row.
      ...chunks(
        claimed.map((delivery, i) => ({ id: delivery.id, outcome: outcomes[i]! })),
        PARAMS_PER_STATEMENT / 5,
      ).map((part) => {
        const byId = (value: (outcome: Outcome) => string) =>
          sql.join([sql`CASE ${deliveries.id}`, ...part.map((p) => sql`WHEN ${p.id} THEN ${value(p.outcome)}`), sql`END`], sql` `);
        return db.insert(deliveryAttempts).select(
          db
            .select({
              id: sql<number>`null`.as('id'),
              deliveryId: deliveries.id,
              at: sql<number>`${now}`.as('at'),
              outcome: sql<
                'sent' | 'temporary' | 'permanent'
              >`${byId((o) => (o.ok ? 'sent' : o.temporary ? 'temporary' : 'permanent'))}`.as('outcome'),
              reply: sql<string>`${byId((o) => o.reply)}`.as('reply'),
            })
            .from(deliveries)
            .where(stillOurs(part.map((p) => p.id))),
        );
      }),
      ...chunks(sentIds, PARAMS_PER_STATEMENT).map((ids) =>
        db
          .update(deliveries)
          .set({ status: 'sent', sentAt: now, lastError: null, nextAttemptAt: null, leaseUntil: null })
          .where(stillOurs(ids)),
      ),
      ...claimed.flatMap((delivery, i) =>
        next[i]
          ? [
              db
                .update(deliveries)
                .set({ ...next[i], leaseUntil: null })
                .where(stillOurs([delivery.id])),
            ]
          : [],
      ),
    ];
    await write(writes);
    return retryAt;
  }

  async function sweep(): Promise<void> {
    if (!deps.mailer) return;
    // SMTP is configured now: notifications held while it was not go out.
    await write([
      db
        .update(deliveries)
        .set({ status: 'pending', nextAttemptAt: deps.now(), retrySince: deps.now() })
        .where(eq(deliveries.status, 'held')),
    ]);
    for (let chunk = 0; chunk < limits.maxChunks; chunk++) {
      const claimed = await claim(deps.now());
      if (claimed.length === 0) return;
      await deliverChunk(claimed);
    }
  }

  let running: Promise<void> | null = null;
  let again = false;

  return {
    /**
     * Delivers everything due. Calls while a sweep runs fold into one more pass, so a burst
     * of submissions never starts a burst of sweeps.
     */
    run(): Promise<void> {
      if (running) {
        again = true;
        return running;
      }
      running = (async () => {
        try {
          do {
            again = false;
            await sweep();
          } while (again);
        } finally {
          // In the same step as the last `again` check: a call arriving later starts a new sweep
          // instead of joining one that has already decided to stop.
          running = null;
        }
      })();
      return running;
    },

    /** New or retried deliveries are due: the queue's consumer sends them when there is one, else a sweep here. */
    wake(ids: string[]): Promise<unknown> {
      return deps.enqueue ? deps.enqueue(ids) : this.run();
    },

    /**
     * Sends the named deliveries that are due, all in this invocation (a queue batch: its
     * mailer holds one connection for all). Rows sent, not due or held by another run are left
     * alone; answers when each one that failed for now is due again.
     */
    async deliver(ids: string[]): Promise<Map<string, number>> {
      const retryAt = new Map<string, number>();
      if (!deps.mailer) return retryAt;
      for (const part of chunks(ids, CLAIM_BY_IDS)) {
        const claimed = await claim(deps.now(), part);
        if (claimed.length > 0) for (const [id, at] of await deliverChunk(claimed)) retryAt.set(id, at);
      }
      return retryAt;
    },

    /** Resolves when no sweep is running: shutdown waits for sends in flight to be recorded. */
    async settled(): Promise<void> {
      while (running) await running.catch(() => {});
    },

    /**
     * Makes a delivery due now, whatever became of it, with a fresh DELIVERY_MAX_AGE; held
     * stays held until SMTP exists. It goes to the form's recipients as they are then: those
     * who already accepted it are skipped, unless it was sent, which makes this a re-send to all.
     */
    async retry(id: string): Promise<Delivery | undefined> {
      const leaseGone = or(lt(deliveries.leaseUntil, deps.now()), sql`${deliveries.leaseUntil} IS NULL`);
      const [, rows] = await write([
        // Retrying a row a stopped worker left `sending` ends that attempt in the timeline first.
        recordInterrupted(deps.now(), and(eq(deliveries.id, id), leaseGone)),
        db
          .update(deliveries)
          .set({
            status: deps.mailer ? 'pending' : 'held',
            nextAttemptAt: deps.now(),
            retrySince: deps.now(),
            leaseUntil: null,
            // SET reads the row as it was: the old status decides.
            deliveredTo: sql`CASE WHEN ${deliveries.status} = 'sent' THEN '[]' ELSE ${deliveries.deliveredTo} END`,
          })
          .where(and(eq(deliveries.id, id), leaseGone))
          .returning(),
      ]);
      return rows![0];
    },
  };
}
