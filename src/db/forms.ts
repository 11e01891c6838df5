import { asc, eq, gt } from 'drizzle-orm';
import { randomSecret } from '../ids.ts';
import { isUniqueViolation, type Db } from './client.ts';
import { forms, submissions, type Form } from './schema.ts';
import { submissionDeletes } from './submissions.ts';

// This module owns every write to `forms`.

/** A form as stored, less what this module sets itself; without an id, one is made. */
export type NewForm = Omit<typeof forms.$inferInsert, 'id' | 'createdAt' | 'updatedAt'> & { id?: string };
export type FormChanges = Partial<Omit<NewForm, 'id'>>;

/**
 * Forms read on the submission hot path, kept briefly per database. Writes through this
 * module clear it at once; another process sees a change within FORM_CACHE_MS.
 */
const FORM_CACHE_MS = 1_000;
const formCache = new WeakMap<Db, Map<string, { form: Form | undefined; until: number }>>();

const forget = (db: Db, id: string) => formCache.get(db)?.delete(id);

/** Like getForm, but answered from a short-lived cache; `now` is the caller's clock. */
export async function getFormCached(db: Db, id: string, now: number): Promise<Form | undefined> {
  let cache = formCache.get(db);
  if (!cache) formCache.set(db, (cache = new Map()));
  const hit = cache.get(id);
  if (hit && hit.until > now) return hit.form;
  const form = await getForm(db, id);
  // Bounded: an attacker probing random ids must not grow memory without end.
  if (cache.size > 1_000) cache.clear();
  cache.set(id, { form, until: now + FORM_CACHE_MS });
  return form;
}

/** The new form, or undefined when its id is taken (each caller words that conflict its own way). */
export async function createForm(db: Db, input: NewForm, now: number): Promise<Form | undefined> {
  const rows = await db
    .insert(forms)
    .values({
      ...input,
      id: input.id ?? randomSecret(8).replace(/[-_]/g, 'x'),
      redirectUrl: input.redirectUrl ?? null,
      subject: input.subject ?? null,
      createdAt: now,
      updatedAt: now,
    })
    .returning()
    .catch((error: unknown) => {
      if (isUniqueViolation(error)) return [];
      throw error;
    });
  const [row] = rows;
  if (row) forget(db, row.id);
  return row;
}

export async function getForm(db: Db, id: string): Promise<Form | undefined> {
  const [row] = await db.select().from(forms).where(eq(forms.id, id));
  return row;
}

export async function listForms(db: Db, page: { limit: number; cursor?: string }): Promise<Form[]> {
  return db
    .select()
    .from(forms)
    .where(page.cursor ? gt(forms.id, page.cursor) : undefined)
    .orderBy(asc(forms.id))
    .limit(page.limit);
}

export async function updateForm(db: Db, id: string, patch: FormChanges, now: number): Promise<Form | undefined> {
  const [row] = await db
    .update(forms)
    .set({ ...patch, updatedAt: now })
    .where(eq(forms.id, id))
    .returning();
  forget(db, id);
  return row;
}

/** Deletes the form with its submissions and their deliveries, atomically. */
export async function deleteForm(db: Db, id: string): Promise<Form | undefined> {
  const form = await getForm(db, id);
  if (!form) return undefined;
  const ids = db.select({ id: submissions.id }).from(submissions).where(eq(submissions.formId, id));
  await db.batch([...submissionDeletes(db, ids), db.delete(forms).where(eq(forms.id, id))]);
  forget(db, id);
  return form;
}
