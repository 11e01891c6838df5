import { and, asc, eq, gt, lte, max, sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import { submissions, type Submission } from './schema.ts';

// The export's reads of `submissions`: a fixed scope, paged by id, so a long export never holds a read open.

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
