import { and, asc, desc, eq, gt, inArray, lt, lte, max, ne, sql, type SQLWrapper } from 'drizzle-orm';
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

/**
 * An export reads a form's submissions a page at a time, each page written out before the next
 * is read: at most this much stored data (a larger submission is a page alone) and at most
 * EXPORT_PAGE_ROWS rows. Read whole, 600 submissions of 1 MB took 1.95 GB and killed the server.
 */
const EXPORT_PAGE_BYTES = 2 * 1024 * 1024;
const EXPORT_PAGE_ROWS = 200;

/**
 * What an export covers: a form's submissions up to the newest when it began (none when
 * `newest` is undefined). A submission arriving meanwhile cannot then add a field after the
 * CSV header has gone out.
 */
export type ExportScope = { formId: string; newest: string | undefined };

export async function exportScope(db: Db, formId: string): Promise<ExportScope> {
  const [row] = await db
    .select({ newest: max(submissions.id) })
    .from(submissions)
    .where(eq(submissions.formId, formId));
  return { formId, newest: row?.newest ?? undefined };
}

type ExportPage = { after: string; last: string };
const inPage = (formId: string, page: ExportPage) =>
  and(eq(submissions.formId, formId), gt(submissions.id, page.after), lte(submissions.id, page.last));

/** The scope's pages, oldest first. octet_length, unlike length, is answered without reading the data. */
async function* exportPages(db: Db, { formId, newest }: ExportScope): AsyncGenerator<ExportPage> {
  if (newest === undefined) return;
  for (let after = ''; ;) {
    const sizes = await db
      .select({ id: submissions.id, size: sql<number>`octet_length(${submissions.data})` })
      .from(submissions)
      .where(inPage(formId, { after, last: newest }))
      .orderBy(asc(submissions.id))
      .limit(EXPORT_PAGE_ROWS);
    if (sizes.length === 0) return;
    let last = sizes[0]!.id;
    for (let i = 1, taken = Number(sizes[0]!.size); i < sizes.length; i++) {
      taken += Number(sizes[i]!.size);
      if (taken > EXPORT_PAGE_BYTES) break;
      last = sizes[i]!.id;
    }
    yield { after, last };
    after = last;
    // A local libSQL file answers synchronously, so pages chained in promises alone would keep
    // every other request waiting until the export ends: each page waits for its own turn.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

/**
 * Every field name in the scope, in the order first seen, as `Object.keys` on each row in turn
 * lists them; SQLite reads the names without handing over the values. The stored JSON lists
 * names in `Object.keys` order, being written by JSON.stringify, and with min() SQLite takes
 * the other columns from the row holding the minimum: its position of the name.
 */
export async function exportFieldNames(db: Db, scope: ExportScope): Promise<string[]> {
  const names = new Set<string>();
  for await (const page of exportPages(db, scope)) {
    const firsts = await db.all<{ name: string }>(
      sql`SELECT json_each.key AS name, min(${submissions.id}) AS first_row, json_each.id AS position
          FROM ${submissions}, json_each(${submissions.data})
          WHERE ${inPage(scope.formId, page)} GROUP BY json_each.key ORDER BY first_row, position`,
    );
    for (const { name } of firsts) names.add(name);
  }
  return [...names];
}

/** The scope's submissions, oldest first, a page at a time. */
export async function* exportRows(db: Db, scope: ExportScope): AsyncGenerator<Submission[]> {
  for await (const page of exportPages(db, scope)) {
    yield await db.select().from(submissions).where(inPage(scope.formId, page)).orderBy(asc(submissions.id));
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

/** Deletes submissions with their deliveries, in one batch. */
export async function deleteSubmissions(db: Db, ids: string[]): Promise<void> {
  if (ids.length > 0) await db.batch(submissionDeletes(db, ids));
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
