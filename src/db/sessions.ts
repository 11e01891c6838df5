import { eq, gt, and, lte } from 'drizzle-orm';
import { randomSecret } from '../ids.ts';
import type { Db } from './client.ts';
import { adminSessions } from './schema.ts';

// This module owns every write to `admin_sessions`.

/** A new session until `expiresAt`; sessions that have ended are dropped on the way. */
export async function startSession(db: Db, now: number, lengthMs: number): Promise<string> {
  const id = randomSecret(32);
  await db.batch([
    db.delete(adminSessions).where(lte(adminSessions.expiresAt, now)),
    db.insert(adminSessions).values({ id, expiresAt: now + lengthMs }),
  ]);
  return id;
}

export async function isLiveSession(db: Db, id: string, now: number): Promise<boolean> {
  const [row] = await db
    .select({ id: adminSessions.id })
    .from(adminSessions)
    .where(and(eq(adminSessions.id, id), gt(adminSessions.expiresAt, now)));
  return row !== undefined;
}

export async function endSession(db: Db, id: string): Promise<void> {
  await db.delete(adminSessions).where(eq(adminSessions.id, id));
}
