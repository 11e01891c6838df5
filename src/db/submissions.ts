import { and, asc, desc, eq, gt, inArray, lt, sql, type SQLWrapper } from 'drizzle-orm';
import type { Db } from './client.ts';
import { deliveryDeletes, listDeliveries } from './deliveries.ts';
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

/** Every submission of a form, oldest first, read in pages so one query never holds the table. */
export async function allSubmissions(db: Db, formId: string): Promise<Submission[]> {
  const rows: Submission[] = [];
  for (let cursor = ''; ;) {
    const pageRows = await db
      .select()
      .from(submissions)
      .where(and(eq(submissions.formId, formId), gt(submissions.id, cursor)))
      .orderBy(asc(submissions.id))
      .limit(1000);
    rows.push(...pageRows);
    if (pageRows.length < 1000) return rows;
    cursor = pageRows[pageRows.length - 1]!.id;
  }
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
