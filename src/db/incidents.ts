import { and, desc, eq, gt, inArray, isNotNull, isNull, lte, max, ne, sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import { deliveries, deliveryAttempts, incidents, type Incident } from './schema.ts';
import { attemptNotAlert } from './relay-health.ts';
import type { Buildable } from './statements.ts';

// This module owns every write to `incidents`, and reads the outbox's state for mail/incidents.ts,
// which decides when one opens and closes. Alerts themselves are deliveries (db/deliveries.ts).

export async function getIncident(db: Db, id: string): Promise<Incident | undefined> {
  const [row] = await db.select().from(incidents).where(eq(incidents.id, id));
  return row;
}

export async function openIncident(db: Db): Promise<Incident | undefined> {
  const [row] = await db.select().from(incidents).where(isNull(incidents.closedAt)).limit(1);
  return row;
}

/** When the last incident closed (0: never): a failure before then was already told. */
export async function lastClosedAt(db: Db): Promise<number> {
  const [row] = await db.select({ at: max(incidents.closedAt) }).from(incidents);
  return row?.at ?? 0;
}

/** Alerts never count: an alert that cannot be sent must not raise an alert about itself. */
const notAlert = ne(deliveries.channel, 'alert');

/**
 * Deliveries still undelivered since before `cutoff`: still trying, or held because SMTP_URL is
 * not set (the owner who reads only alerts learns that way that no notification goes out).
 */
export async function overdueDeliveries(db: Db, cutoff: number) {
  const [row] = await db
    .select({
      count: sql<number>`count(*)`,
      held: sql<number>`count(*) filter (where ${deliveries.status} = 'held')`,
      oldest: sql<number | null>`min(${deliveries.retrySince})`,
    })
    .from(deliveries)
    .where(and(inArray(deliveries.status, ['pending', 'sending', 'held']), lte(deliveries.retrySince, cutoff), notAlert));
  return { count: Number(row?.count ?? 0), held: Number(row?.held ?? 0), oldest: row?.oldest ?? null };
}

/**
 * The failed delivery that failed last (its last attempt after `since`), with how many failed
 * after `since`; undefined when none did.
 */
export async function newestFailure(db: Db, since: number) {
  // Per failed delivery through its index, not a grouping of the whole attempt history: this runs every sweep.
  const lastAt = sql<number>`(SELECT max(${deliveryAttempts.at}) FROM ${deliveryAttempts} WHERE ${deliveryAttempts.deliveryId} = ${deliveries.id})`;
  const [row] = await db
    .select({ channel: deliveries.channel, lastError: deliveries.lastError, at: lastAt, count: sql<number>`count(*) over ()` })
    .from(deliveries)
    .where(and(eq(deliveries.status, 'failed'), notAlert, sql`${lastAt} > ${since}`))
    .orderBy(desc(lastAt))
    .limit(1);
  return row && { ...row, at: Number(row.at), count: Number(row.count) };
}

/**
 * Mail the backup relay took after `since` because the primary failed (the backup is tried only
 * then): how many, and the latest reply, which carries the primary's failure (mail/failover.ts).
 * Through the partial index on backup attempts: this runs every sweep where a backup is set.
 */
export async function backupTakeovers(db: Db, since: number) {
  const [row] = await db
    .select({ reply: deliveryAttempts.reply, count: sql<number>`count(*) over ()` })
    .from(deliveryAttempts)
    .where(and(eq(deliveryAttempts.relay, 'backup'), gt(deliveryAttempts.at, since), eq(deliveryAttempts.outcome, 'sent'), attemptNotAlert))
    .orderBy(desc(deliveryAttempts.at))
    .limit(1);
  return row && { reply: row.reply, count: Number(row.count) };
}

/** Whether the latest mail a relay took went through the backup: the primary is not back yet. */
export async function backupTookLatest(db: Db): Promise<boolean> {
  const [row] = await db
    .select({ relay: deliveryAttempts.relay })
    .from(deliveryAttempts)
    .where(and(eq(deliveryAttempts.outcome, 'sent'), isNotNull(deliveryAttempts.relay), attemptNotAlert))
    .orderBy(desc(deliveryAttempts.id))
    .limit(1);
  return row?.relay === 'backup';
}

/** When a delivery last went through (0: never); read only while an incident is open. */
export async function lastSentAt(db: Db): Promise<number> {
  const [row] = await db
    .select({ at: max(deliveries.sentAt) })
    .from(deliveries)
    .where(and(eq(deliveries.status, 'sent'), notAlert));
  return row?.at ?? 0;
}

/** Opens an incident unless one is open: one statement, so runs at once open one between them. */
export const openIncidentWrite = (db: Db, incident: { id: string; openedAt: number; summary: string }): Buildable =>
  db.insert(incidents).select(
    db
      .select({
        id: sql<string>`${incident.id}`.as('id'),
        openedAt: sql<number>`${incident.openedAt}`.as('opened_at'),
        summary: sql<string>`${incident.summary}`.as('summary'),
        closedAt: sql<null>`null`.as('closed_at'),
        closedBy: sql<null>`null`.as('closed_by'),
      })
      .from(sql`(SELECT 1)`)
      .where(sql`NOT EXISTS (SELECT 1 FROM ${incidents} WHERE ${incidents.closedAt} IS NULL)`),
  );

/** Closes it unless another run did: `closedBy` names this run, so only its recovery rows are written. */
export const closeIncidentWrite = (db: Db, id: string, now: number, closedBy: string): Buildable =>
  db
    .update(incidents)
    .set({ closedAt: now, closedBy })
    .where(and(eq(incidents.id, id), isNull(incidents.closedAt)));

/** The incident as this run left it: the alert rows written with it exist only if this run opened (or closed) it. */
export const openedByThisRun = (id: string) => eq(incidents.id, id);
export const closedByThisRun = (id: string, closedBy: string) => and(eq(incidents.id, id), eq(incidents.closedBy, closedBy));
