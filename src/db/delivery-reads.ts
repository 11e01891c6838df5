import { and, asc, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import { deliveries, deliveryAttempts, type Delivery, type DeliveryStatus } from './schema.ts';

// Reads of `deliveries` and `delivery_attempts` for the API, the admin, the CLI and /healthz;
// every write is deliveries.ts's.

export async function listDeliveries(
  db: Db,
  filter: { status?: DeliveryStatus; channel?: Delivery['channel']; submissionIds?: string[]; limit: number; cursor?: string },
) {
  const conditions = [
    filter.status && eq(deliveries.status, filter.status),
    filter.channel && eq(deliveries.channel, filter.channel),
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
