import { and, asc, eq, inArray, lt, lte, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { Commit, Db } from './client.ts';
import { deliveries, deliveryAttempts, incidents, type Delivery, type DeliveryStatus } from './schema.ts';
import { chunks, insertStatements, PARAMS_PER_STATEMENT, rowDecoder, statementOf, type Buildable } from './statements.ts';

// This module owns every write to `deliveries` and `delivery_attempts` (their reads for the API,
// the admin, the CLI and /healthz are delivery-reads.ts's). The policy (states, when to try
// next, whom to address) is mail/'s: it decides, this module says it in SQL.

/** The INSERT of a new delivery row; the caller commits it with its submission. Prepared once per set of columns. */
export const deliveryInsert = insertStatements(deliveries);

/**
 * An auto-reply's INSERT: a second one for the same form, address and day (the unique
 * `deliveries_autoreply_once` index on its target) is dropped, not an error, so the
 * submission committed in the same batch is stored all the same.
 */
export const autoReplyInsert = (db: Db, row: typeof deliveries.$inferInsert) =>
  statementOf(db.insert(deliveries).values(row).onConflictDoNothing());

const decodeDelivery = rowDecoder(deliveries);

/**
 * Commits delivery writes through `commit` (the outbox's path: on Node's file database the
 * commit thread, so no fsync on the event loop) and decodes the rows they returned.
 */
export async function commitDeliveryWrites(commit: Commit, queries: Buildable[]): Promise<Delivery[][]> {
  const results = await commit(queries.map(statementOf));
  return results.map((rows) => rows.map(decodeDelivery));
}

/** Deletes a submission's deliveries and their history; for the submissions module's delete batch. */
export function deliveryDeletes(db: Db, submissionIds: string[] | SQLWrapper) {
  const ids = db.select({ id: deliveries.id }).from(deliveries).where(inArray(deliveries.submissionId, submissionIds));
  return [
    db.delete(deliveryAttempts).where(inArray(deliveryAttempts.deliveryId, ids)),
    db.delete(deliveries).where(inArray(deliveries.submissionId, submissionIds)),
  ] as const;
}

const INTERRUPTED =
  'no outcome recorded: the lease ran out while it was being sent (the process stopped or stalled); sending again with the same Message-ID';

/** An attempt cut short left no outcome: the timeline says so, so it matches `attempts`. */
const recordInterrupted = (db: Db, now: number, where: SQL | undefined) =>
  db.insert(deliveryAttempts).select(
    db
      .select({
        id: sql<number>`null`.as('id'),
        deliveryId: deliveries.id,
        at: sql<number>`${now}`.as('at'),
        outcome: sql<'interrupted'>`'interrupted'`.as('outcome'),
        reply: sql<string>`${INTERRUPTED}`.as('reply'),
        relay: sql<null>`null`.as('relay'),
      })
      .from(deliveries)
      .where(and(eq(deliveries.status, 'sending'), where)),
  );

/**
 * Takes up to `limit` due rows (and rows whose lease ran out after a crash) in one statement,
 * so two workers never claim one at once; the second statement returns the claimed rows. With
 * `ids` (a queue batch names its deliveries), only those of them that are due.
 */
export function claimDue(db: Db, now: number, limit: number, leaseUntil: number, ids?: string[]): Buildable[] {
  const leaseRanOut = and(eq(deliveries.status, 'sending'), lte(deliveries.leaseUntil, now));
  const due = db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(
      and(ids && inArray(deliveries.id, ids), or(and(eq(deliveries.status, 'pending'), lte(deliveries.nextAttemptAt, now)), leaseRanOut)),
    )
    .orderBy(asc(deliveries.nextAttemptAt))
    .limit(limit);
  return [
    recordInterrupted(db, now, and(inArray(deliveries.id, due), leaseRanOut)),
    db
      .update(deliveries)
      .set({ status: 'sending', leaseUntil, attempts: sql`${deliveries.attempts} + 1` })
      .where(inArray(deliveries.id, due))
      .returning(),
  ];
}

/** Rows still `sending` under the lease `leaseUntil`: a worker that took over after it expired owns them now. */
const stillLeased = (ids: string[], leaseUntil: number) =>
  and(inArray(deliveries.id, ids), eq(deliveries.status, 'sending'), eq(deliveries.leaseUntil, leaseUntil));

/** Moves the lease of rows still held under `current` to `next`. */
export const renewLease = (db: Db, ids: string[], current: number, next: number): Buildable[] =>
  chunks(ids, PARAMS_PER_STATEMENT).map((part) => db.update(deliveries).set({ leaseUntil: next }).where(stillLeased(part, current)));

/** Values one attempt row binds in `outcomeWrites`. */
const ATTEMPT_PARAMS = 7;

export type AttemptRecord = { id: string; outcome: 'sent' | 'temporary' | 'permanent'; reply: string; relay: 'primary' | 'backup' | null };
export type DeliveryChange = Partial<Pick<Delivery, 'status' | 'sentAt' | 'lastError' | 'nextAttemptAt' | 'recipients' | 'deliveredTo'>>;

/**
 * The record of a claimed chunk's attempts, for one commit: attempt rows in multi-row inserts,
 * one UPDATE for every delivery in `sentIds`, one per other change. Every statement is guarded
 * by the claim's lease.
 */
export function outcomeWrites(
  db: Db,
  record: {
    now: number;
    leaseUntil: number;
    attempts: AttemptRecord[];
    sentIds: string[];
    changes: { id: string; change: DeliveryChange }[];
  },
): Buildable[] {
  const { now, leaseUntil } = record;
  return [
    // First, while the rows still say `sending` under our lease: a worker that stalled past its
    // lease was already recorded as interrupted and taken over, so its late outcome adds no row.
    // Each attempt binds seven values (three CASE arms of two, and its id in the lease guard):
    // D1 refuses a statement past 100, which the relay column's arm once pushed it over.
    ...chunks(record.attempts, Math.floor(PARAMS_PER_STATEMENT / ATTEMPT_PARAMS)).map((part) => {
      const byId = (value: (attempt: AttemptRecord) => string | null) =>
        sql.join([sql`CASE ${deliveries.id}`, ...part.map((a) => sql`WHEN ${a.id} THEN ${value(a)}`), sql`END`], sql` `);
      return db.insert(deliveryAttempts).select(
        db
          .select({
            id: sql<number>`null`.as('id'),
            deliveryId: deliveries.id,
            at: sql<number>`${now}`.as('at'),
            outcome: sql<AttemptRecord['outcome']>`${byId((a) => a.outcome)}`.as('outcome'),
            reply: sql<string>`${byId((a) => a.reply)}`.as('reply'),
            relay: sql<AttemptRecord['relay']>`${byId((a) => a.relay)}`.as('relay'),
          })
          .from(deliveries)
          .where(
            stillLeased(
              part.map((a) => a.id),
              leaseUntil,
            ),
          ),
      );
    }),
    ...chunks(record.sentIds, PARAMS_PER_STATEMENT).map((ids) =>
      db
        .update(deliveries)
        .set({ status: 'sent', sentAt: now, lastError: null, nextAttemptAt: null, leaseUntil: null })
        .where(stillLeased(ids, leaseUntil)),
    ),
    ...record.changes.map(({ id, change }) =>
      db
        .update(deliveries)
        .set({ ...change, leaseUntil: null })
        .where(stillLeased([id], leaseUntil)),
    ),
  ];
}

/** Notifications kept `held` while no SMTP was configured become due now. */
export const releaseHeld = (db: Db, now: number): Buildable =>
  db.update(deliveries).set({ status: 'pending', nextAttemptAt: now, retrySince: now }).where(eq(deliveries.status, 'held'));

/**
 * Makes one delivery due now (`status` pending, or held without SMTP) unless a live lease
 * holds it; the second statement returns the row. Retrying a row a stopped worker left
 * `sending` ends that attempt in the timeline first. A `sent` delivery is re-sent to everyone.
 */
/** `emailHeld`: SMTP is not configured, so a delivery by mail waits `held`; webhooks go out anyway. */
export function retryWrites(db: Db, id: string, now: number, emailHeld: boolean): Buildable[] {
  const status = emailHeld
    ? sql<DeliveryStatus>`CASE WHEN ${deliveries.channel} IN ('email', 'autoreply') THEN 'held' ELSE 'pending' END`
    : 'pending';
  const leaseGone = or(lt(deliveries.leaseUntil, now), sql`${deliveries.leaseUntil} IS NULL`);
  return [
    recordInterrupted(db, now, and(eq(deliveries.id, id), leaseGone)),
    db
      .update(deliveries)
      .set({
        status,
        nextAttemptAt: now,
        retrySince: now,
        leaseUntil: null,
        // SET reads the row as it was: the old status decides.
        deliveredTo: sql`CASE WHEN ${deliveries.status} = 'sent' THEN '[]' ELSE ${deliveries.deliveredTo} END`,
      })
      .where(and(eq(deliveries.id, id), leaseGone))
      .returning(),
  ];
}

export type NewDelivery = typeof deliveries.$inferInsert;

/**
 * An alert's row, written only when `incident` selects its incident (db/incidents.ts): in the
 * batch that opens or closes it, so a run that lost the race to another writes nothing.
 */
export function alertDeliveryInsert(db: Db, row: Omit<NewDelivery, 'submissionId' | 'channel'>, incident: SQL | undefined): Buildable {
  const value = <T>(v: T, column: string) => sql<T>`${v}`.as(column);
  return db.insert(deliveries).select(
    db
      .select({
        id: value(row.id, 'id'),
        submissionId: incidents.id,
        channel: value('alert' as const, 'channel'),
        target: value(row.target ?? null, 'target'),
        recipients: value(JSON.stringify(row.recipients), 'recipients'),
        deliveredTo: value('[]', 'delivered_to'),
        status: value(row.status, 'status'),
        attempts: value(0, 'attempts'),
        createdAt: value(row.createdAt, 'created_at'),
        retrySince: value(row.retrySince, 'retry_since'),
        nextAttemptAt: value(row.nextAttemptAt ?? null, 'next_attempt_at'),
        leaseUntil: value(null, 'lease_until'),
        messageId: value(row.messageId, 'message_id'),
        lastError: value(null, 'last_error'),
        sentAt: value(null, 'sent_at'),
      })
      .from(incidents)
      .where(incident),
  );
}

/**
 * Each row unless its submission already has a delivery for that channel and target, each in
 * one statement, all in one batch: two concurrent callers make one of each.
 */
export async function insertDeliveriesIfNone(db: Db, rows: NewDelivery[]): Promise<void> {
  const inserts = rows.map((d) => {
    const channel = d.channel ?? 'email';
    const target = d.target ?? null;
    return db.run(sql`INSERT INTO ${deliveries} (id, submission_id, channel, target, recipients, status, created_at, retry_since, next_attempt_at, message_id)
    SELECT ${d.id}, ${d.submissionId}, ${channel}, ${target}, ${JSON.stringify(d.recipients)}, ${d.status}, ${d.createdAt}, ${d.retrySince}, ${d.nextAttemptAt}, ${d.messageId}
    WHERE NOT EXISTS (SELECT 1 FROM ${deliveries} WHERE ${deliveries.submissionId} = ${d.submissionId} AND ${deliveries.channel} = ${channel} AND ${deliveries.target} IS ${target})`);
  });
  const [first, ...rest] = inserts;
  if (first) await db.batch([first, ...rest]);
}

/** A submission's deliveries in the given states, with their history. */
export async function deleteDeliveries(db: Db, submissionId: string, statuses: DeliveryStatus[]): Promise<void> {
  const chosen = and(eq(deliveries.submissionId, submissionId), inArray(deliveries.status, statuses));
  const ids = db.select({ id: deliveries.id }).from(deliveries).where(chosen);
  await db.batch([db.delete(deliveryAttempts).where(inArray(deliveryAttempts.deliveryId, ids)), db.delete(deliveries).where(chosen)]);
}
