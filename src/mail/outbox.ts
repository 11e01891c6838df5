import { and, asc, eq, inArray, lt, lte, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { Deps } from '../deps.ts';
import { deliveries, deliveryAttempts, forms, submissions, type Delivery, type DeliveryStatus, type Form, type Submission } from '../db/schema.ts';
import { chunks, insertStatements, PARAMS_PER_STATEMENT, rowDecoder, statementOf, type Buildable } from '../db/statements.ts';
import { ulid } from '../ids.ts';
import type { SendResult } from './mailer.ts';
import { messageIdDomain, renderNotification } from './render.ts';

// This module owns every write to `deliveries` and `delivery_attempts`.

/** How much one run may take on: Workers cap queries, sockets and time per invocation. */
export type OutboxLimits = { claimLimit: number; maxChunks: number };

const NODE_LIMITS: OutboxLimits = { claimLimit: 100, maxChunks: Infinity };

/** Messages of a chunk rendered and handed to the transport together. */
const SENT_AT_ONCE = 10;


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
export function newDelivery(deps: Pick<Deps, 'config' | 'mailer' | 'db'>, recipients: string[], submissionId: string, now: number) {
  const id = ulid(now);
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

const INTERRUPTED = 'no outcome recorded: the lease ran out while it was being sent (the process stopped or stalled); sending again with the same Message-ID';

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

  /** Takes due rows (and rows whose lease ran out after a crash) in one statement, so two workers never claim one at once. */
  async function claim(now: number): Promise<Delivery[]> {
    const leaseRanOut = and(eq(deliveries.status, 'sending'), lte(deliveries.leaseUntil, now));
    const due = db
      .select({ id: deliveries.id })
      .from(deliveries)
      .where(or(and(eq(deliveries.status, 'pending'), lte(deliveries.nextAttemptAt, now)), leaseRanOut))
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
        this.#renewing = this.#renewing.then(() => this.#renew(ids)).catch((error: unknown) => deps.log.error('lease not renewed', { deliveries: ids.length, first: ids[0], error: String(error) }));
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
    const addressing = { recipients: outcome.ok ? addressed : refused, deliveredTo: union(delivery.deliveredTo, without(addressed, refused)) };
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
        db.select({ form: forms, submission: submissions }).from(submissions).innerJoin(forms, eq(forms.id, submissions.formId)).where(inArray(submissions.id, part)),
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
   * Sends one claimed chunk `SENT_AT_ONCE` messages at a time (the pool bounds connections)
   * and records it in one commit: one UPDATE for everything sent, one per other outcome,
   * attempts in multi-row inserts. Every row of a claim carries the same lease, which guards
   * each update: a worker that took over after the lease expired owns the row now.
   */
  async function deliverChunk(claimed: Delivery[]): Promise<void> {
    const lease = new LeaseKeeper(claimed);
    const results: SendResult[] = [];
    const addressed: string[][] = [];
    // Submissions are read SENT_AT_ONCE at a time as their turn comes, and at most that many
    // messages are rendered or on their way: a whole chunk of 1 MB submissions, each about
    // 20 MB once rendered and encoded, took 2 GB and crashed the process at every restart.
    const groups = new Map<number, Promise<Map<string, Source>>>();
    const sourceOf = async (i: number) => {
      const group = Math.floor(i / SENT_AT_ONCE);
      let sources = groups.get(group);
      if (!sources) {
        // Every index of the group before has been taken by now, its sources with it.
        groups.delete(group - 1);
        groups.set(group, (sources = sourcesOf(claimed.slice(group * SENT_AT_ONCE, (group + 1) * SENT_AT_ONCE))));
      }
      try {
        return (await sources).get(claimed[i]!.submissionId);
      } catch {
        // One unreadable row fails the read of its whole group: read this one alone, so only it waits.
        return (await sourcesOf([claimed[i]!])).get(claimed[i]!.submissionId);
      }
    };
    let next = 0;
    const sendInTurn = async () => {
      for (let i = next++; i < claimed.length; i = next++) {
        let source: Source | undefined;
        try {
          source = await sourceOf(i);
        } catch (error) {
          // Recorded and retried like any temporary failure; the rest of the chunk goes on.
          addressed[i] = claimed[i]!.recipients;
          results[i] = { ok: false, temporary: true, error: `could not read the submission: ${String(error)}` };
          continue;
        }
        // The form's recipients as they are now: an address the owner corrected gets the retry.
        addressed[i] = source ? without(source.form.recipients, claimed[i]!.deliveredTo) : claimed[i]!.recipients;
        results[i] = await attempt(claimed[i]!, source, addressed[i]!);
      }
    };
    try {
      // No gap between groups: a slow server holds one message up, not the nine beside it.
      await Promise.all(Array.from({ length: Math.min(SENT_AT_ONCE, claimed.length) }, sendInTurn));
    } finally {
      await lease.stop();
    }
    const now = deps.now();
    const outcomes = results.map(outcomeOf);
    const leaseUntil = lease.current;
    const stillOurs = (ids: string[]) => and(inArray(deliveries.id, ids), eq(deliveries.status, 'sending'), eq(deliveries.leaseUntil, leaseUntil));
    // The common case, sent to the same addresses as before, is one UPDATE for the whole chunk:
    // `deliveredTo` of a sent delivery is not read again (a manual retry of it sends to everyone).
    const sentAsAddressed = claimed.map((delivery, i) => outcomes[i]!.ok && sameList(addressed[i]!, delivery.recipients));
    const sentIds = claimed.filter((_, i) => sentAsAddressed[i]).map((d) => d.id);
    const writes = [
      // First, while the rows still say `sending` under our lease: a worker that stalled past its
      // lease was already recorded as interrupted and taken over, so its late outcome adds no row.
      ...chunks(claimed.map((delivery, i) => ({ id: delivery.id, outcome: outcomes[i]! })), PARAMS_PER_STATEMENT / 5).map((part) => {
        const byId = (value: (outcome: Outcome) => string) => sql.join([sql`CASE ${deliveries.id}`, ...part.map((p) => sql`WHEN ${p.id} THEN ${value(p.outcome)}`), sql`END`], sql` `);
        return db.insert(deliveryAttempts).select(
          db
            .select({
              id: sql<number>`null`.as('id'),
              deliveryId: deliveries.id,
              at: sql<number>`${now}`.as('at'),
              outcome: sql<'sent' | 'temporary' | 'permanent'>`${byId((o) => (o.ok ? 'sent' : o.temporary ? 'temporary' : 'permanent'))}`.as('outcome'),
              reply: sql<string>`${byId((o) => o.reply)}`.as('reply'),
            })
            .from(deliveries)
            .where(stillOurs(part.map((p) => p.id))),
        );
      }),
      ...chunks(sentIds, PARAMS_PER_STATEMENT).map((ids) =>
        db.update(deliveries).set({ status: 'sent', sentAt: now, lastError: null, nextAttemptAt: null, leaseUntil: null }).where(stillOurs(ids)),
      ),
      ...claimed.flatMap((delivery, i) =>
        sentAsAddressed[i] ? [] : [db.update(deliveries).set({ ...nextState(delivery, outcomes[i]!, now, addressed[i]!), leaseUntil: null }).where(stillOurs([delivery.id]))],
      ),
    ];
    await write(writes);
  }

  async function sweep(): Promise<void> {
    if (!deps.mailer) return;
    // SMTP is configured now: notifications held while it was not go out.
    await write([db.update(deliveries).set({ status: 'pending', nextAttemptAt: deps.now(), retrySince: deps.now() }).where(eq(deliveries.status, 'held'))]);
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
