import { eq } from 'drizzle-orm';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type * as schema from './schema.ts';
import { settings } from './schema.ts';

/** Any async drizzle SQLite database over this schema (libSQL, D1): storage takes nothing from the layers above. */
type Db = BaseSQLiteDatabase<'async', unknown, typeof schema>;

// This module owns every write to `settings`: small facts about the installation, one row each.

export async function getSetting(db: Db, key: string): Promise<string | undefined> {
  const [row] = await db.select().from(settings).where(eq(settings.key, key));
  return row?.value;
}

export async function setSetting(db: Db, key: string, value: string): Promise<void> {
  await db.insert(settings).values({ key, value }).onConflictDoUpdate({ target: settings.key, set: { value } });
}

/** The stored value, or `value` stored now: concurrent first callers (two isolates) all get the one that won. */
export async function settingOnce(db: Db, key: string, value: string): Promise<string> {
  await db.insert(settings).values({ key, value }).onConflictDoNothing({ target: settings.key });
  return (await getSetting(db, key)) ?? value;
}
