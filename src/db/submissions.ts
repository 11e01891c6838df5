import { and, asc, desc, eq, gt, inArray, isNull, lt, ne, sql, type SQLWrapper } from 'drizzle-orm';
import type { Db } from './client.ts';
import { deliveryDeletes } from './deliveries.ts';
import { listDeliveries } from './delivery-reads.ts';
import { forms, submissions, type Delivery, type Form, type Submission } from './schema.ts';
import { chunks, insertStatements, PARAMS_PER_STATEMENT } from './statements.ts';

// This module owns every write to `submissions`.

export type SubmissionStatus = Submission['status'];

/** The insert for a new submission, to be committed in one batch with its deliveries. */
export const submissionInsert = insertStatements(submissions);

export async function findByIdempotencyKey(db: Db, formId: string, key: string): Promise<Submission | undefined> {
  const [row] = await db
    .select()
    .from(submissions)
    .where(and(eq(submissions.formId, formId), eq(submissions.idempotencyKey, key)));
  return row;
}

export async function getSubmission(db: Db, id: string): Promise<Submission | undefined> {
  const [row] = await db.select().from(submissions).where(eq(submissions.id, id));
  return row;
}

export type SubmissionQuery = { formId: string; status?: SubmissionStatus; q?: string; limit: number; cursor?: string };

/** Newest first; `q` matches anywhere in the stored fields, case-insensitively for ASCII. */
export async function listSubmissions(db: Db, query: SubmissionQuery): Promise<Submission[]> {
  return db
    .select()
    .from(submissions)
    .where(
      and(
        eq(submissions.formId, query.formId),
        query.status && eq(submissions.status, query.status),
        // Values only, as stored text: the JSON text escapes quotes and backslashes and includes field names.
        // instr, not LIKE: nothing in q is a wildcard, and D1 caps LIKE patterns at 50 bytes.
        query.q
          ? sql`EXISTS (SELECT 1 FROM json_tree(${submissions.data}) WHERE json_tree.type IN ('text', 'integer', 'real') AND instr(lower(json_tree.atom), lower(${query.q})) > 0)`
          : undefined,
        query.cursor ? lt(submissions.id, query.cursor) : undefined,
      ),
    )
    .orderBy(desc(submissions.id))
    .limit(query.limit);
}

/** How many of a form's submissions are in each status, for the admin's folders. */
export async function statusCounts(db: Db, formId: string): Promise<Record<SubmissionStatus, number>> {
  const rows = await db
    .select({ status: submissions.status, n: sql<number>`count(*)` })
    .from(submissions)
    .where(eq(submissions.formId, formId))
    .groupBy(submissions.status);
  const counts = Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
  return { inbox: counts.inbox ?? 0, spam: counts.spam ?? 0, archived: counts.archived ?? 0 };
}

/** Each submission with its deliveries, as the API and the admin show them. */
export async function withDeliveries(db: Db, rows: Submission[]): Promise<(Submission & { deliveries: Delivery[] })[]> {
  if (rows.length === 0) return [];
  const parts = chunks(
    rows.map((r) => r.id),
    PARAMS_PER_STATEMENT,
  );
  const all = (await Promise.all(parts.map((ids) => listDeliveries(db, { submissionIds: ids, limit: 100 * ids.length })))).flat();
  return rows.map((row) => ({ ...row, deliveries: all.filter((d) => d.submissionId === row.id).reverse() }));
}

export async function setSubmissionStatus(db: Db, id: string, status: SubmissionStatus): Promise<Submission | undefined> {
  const [row] = await db.update(submissions).set({ status }).where(eq(submissions.id, id)).returning();
  return row;
}

/** The owner opened it: no longer new. The first opening is kept. */
export async function markRead(db: Db, id: string, now: number): Promise<void> {
  await db
    .update(submissions)
    .set({ readAt: now })
    .where(and(eq(submissions.id, id), isNull(submissions.readAt)));
}

/** "Mark all as read" on a form: everything in it that is new now. Answers how many. */
export async function markAllRead(db: Db, formId: string, now: number): Promise<number> {
  const rows = await db
    .update(submissions)
    .set({ readAt: now })
    .where(and(eq(submissions.formId, formId), isNull(submissions.readAt)))
    .returning({ id: submissions.id });
  return rows.length;
}

/** The deletes for submissions and everything hanging off them, for the caller's batch. */
export function submissionDeletes(db: Db, ids: string[] | SQLWrapper) {
  return [...deliveryDeletes(db, ids), db.delete(submissions).where(inArray(submissions.id, ids))] as const;
}

export async function deleteSubmission(db: Db, id: string): Promise<Submission | undefined> {
  const row = await getSubmission(db, id);
  if (!row) return undefined;
  await db.batch(submissionDeletes(db, [id]));
  return row;
}

/** A batch of a form's submissions made before `beforeId` (a ULID time prefix), spam or everything else. */
export async function oldSubmissionIds(db: Db, formId: string, spam: boolean, beforeId: string, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: submissions.id })
    .from(submissions)
    .where(
      and(
        eq(submissions.formId, formId),
        lt(submissions.id, beforeId),
        spam ? eq(submissions.status, 'spam') : ne(submissions.status, 'spam'),
      ),
    )
    .orderBy(asc(submissions.id))
    .limit(limit);
  return rows.map((row) => row.id);
}

/**
 * Submissions on every form with `text` inside a stored value (case-insensitively for
 * ASCII), after `cursor`: candidates, which the caller narrows to whole addresses.
 */
export async function submissionsContaining(db: Db, text: string, cursor: string, limit: number) {
  return db
    .select({ id: submissions.id, data: submissions.data, meta: submissions.meta })
    .from(submissions)
    .where(
      and(
        gt(submissions.id, cursor),
        sql`EXISTS (SELECT 1 FROM json_tree(${submissions.data}) WHERE json_tree.type = 'text' AND instr(lower(json_tree.atom), lower(${text})) > 0)`,
      ),
    )
    .orderBy(asc(submissions.id))
    .limit(limit);
}

/** Deletes submissions with their deliveries, in one batch (of statements D1 can bind). */
export async function deleteSubmissions(db: Db, ids: string[]): Promise<void> {
  const [first, ...rest] = chunks(ids, PARAMS_PER_STATEMENT).flatMap((part) => submissionDeletes(db, part));
  if (first) await db.batch([first, ...rest]);
}

/** Each submission with its form, keyed by submission id: what a notification is rendered from. */
export async function submissionsWithForms(db: Db, ids: string[]): Promise<Map<string, { form: Form; submission: Submission }>> {
  const rows = await Promise.all(
    chunks([...new Set(ids)], PARAMS_PER_STATEMENT).map((part) =>
      db
        .select({ form: forms, submission: submissions })
        .from(submissions)
        .innerJoin(forms, eq(forms.id, submissions.formId))
        .where(inArray(submissions.id, part)),
    ),
  );
  return new Map(rows.flat().map((row) => [row.submission.id, row]));
}

/** The size of each submission's stored data (its JSON text), read without the data itself. */
export async function storedSizes(db: Db, ids: string[]): Promise<Map<string, number>> {
  const rows = await Promise.all(
    chunks([...new Set(ids)], PARAMS_PER_STATEMENT).map((part) =>
      db
        .select({ id: submissions.id, size: sql<number>`length(${submissions.data})` })
        .from(submissions)
        .where(inArray(submissions.id, part)),
    ),
  );
  return new Map(rows.flat().map((row) => [row.id, Number(row.size)]));
}

/** Which of `ids` are the form's: a bulk action never reaches another form's submissions. */
export async function idsInForm(db: Db, formId: string, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const parts = await Promise.all(
    chunks([...new Set(ids)], PARAMS_PER_STATEMENT).map((part) =>
      db
        .select({ id: submissions.id })
        .from(submissions)
        .where(and(eq(submissions.formId, formId), inArray(submissions.id, part))),
    ),
  );
  return parts
    .flat()
    .map((row) => row.id)
    .sort();
}
