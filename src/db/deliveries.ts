import { and, asc, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../deps.ts';
import { deliveries, deliveryAttempts, type Delivery, type DeliveryStatus } from './schema.ts';

// The read side of `deliveries` and `delivery_attempts`, for the API, the admin, the CLI and
// /healthz. Their writes all belong to mail/outbox.ts.

export async function listDeliveries(
  db: Db,
  filter: { status?: DeliveryStatus; submissionIds?: string[]; limit: number; cursor?: string },
) {
  const conditions = [
    filter.status && eq(deliveries.status, filter.status),
    filter.submissionIds && inArray(deliveries.submissionId, filter.submissionIds),
    filter.cursor && lt(deliveries.id, filter.cursor),
  ].filter((c) => !!c);
  return db
    .select()
    .from(deliveries)
    .where(and(...conditions))
    .orderBy(desc(deliveries.id))
    .limit(filter.limit);
}

const UNSENT = ['pending', 'sending', 'held', 'failed'] as const;

/** How many deliveries wait in each state short of `sent` (which is not counted: it only grows). */
export async function unsentCounts(db: Db): Promise<Record<(typeof UNSENT)[number], number>> {
  const rows = await db
    .select({ status: deliveries.status, n: sql<number>`count(*)` })
    .from(deliveries)
    .where(inArray(deliveries.status, [...UNSENT]))
    .groupBy(deliveries.status);
  const counts = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  return { pending: counts.pending ?? 0, sending: counts.sending ?? 0, held: counts.held ?? 0, failed: counts.failed ?? 0 };
}

/** The contract's backlog for /healthz: `pending` counts what is being sent too. */
export async function deliveryBacklog(db: Db) {
  const counts = await unsentCounts(db);
  return { pending: counts.pending + counts.sending, held: counts.held, failed: counts.failed };
}

export async function deliveryAttemptsOf(db: Db, deliveryId: string) {
  return db.select().from(deliveryAttempts).where(eq(deliveryAttempts.deliveryId, deliveryId)).orderBy(asc(deliveryAttempts.id));
}

export async function getDelivery(db: Db, id: string): Promise<Delivery | undefined> {
  const [row] = await db.select().from(deliveries).where(eq(deliveries.id, id));
  return row;
}

export type RelayHealth = { lastSuccess: { at: number } | null; lastError: { at: number; reply: string } | null };

/** The latest attempt that was accepted and the latest that failed, read from the attempt history. */
export async function relayHealth(db: Db): Promise<RelayHealth> {
  const latest = (outcomes: ('sent' | 'temporary' | 'permanent')[]) =>
    db
      .select({ at: deliveryAttempts.at, reply: deliveryAttempts.reply })
      .from(deliveryAttempts)
      .where(inArray(deliveryAttempts.outcome, outcomes))
      .orderBy(desc(deliveryAttempts.id))
      .limit(1);
  const [[success], [failure]] = await Promise.all([latest(['sent']), latest(['temporary', 'permanent'])]);
  return { lastSuccess: success ? { at: success.at } : null, lastError: failure ?? null };
}
