import { and, desc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from './client.ts';
import { deliveries, deliveryAttempts } from './schema.ts';

// The relays' health on the admin's mail page, read from the attempt history (written by deliveries.ts).

export type RelayHealth = { lastSuccess: { at: number } | null; lastError: { at: number; reply: string } | null };

/**
 * An attempt that is not an alert's: alerts try the backup first (mail/alert-channel.ts), so
 * theirs say nothing of the relays' health. A lookup by the attempt's delivery id, per row.
 */
export const attemptNotAlert = sql`NOT EXISTS (SELECT 1 FROM ${deliveries} WHERE ${deliveries.id} = ${deliveryAttempts.deliveryId} AND ${deliveries.channel} = 'alert')`;

/**
 * A relay's latest accepted attempt and latest failed one, read from the attempt history. The
 * backup is only tried after the primary failed, so every backup attempt is also a primary failure.
 * Alerts are left out (`attemptNotAlert`).
 */
export async function relayHealth(db: Db, relay: 'primary' | 'backup'): Promise<RelayHealth> {
  const failed = inArray(deliveryAttempts.outcome, ['temporary', 'permanent']);
  const latest = (where: SQL | undefined) =>
    db
      .select({ at: deliveryAttempts.at, reply: deliveryAttempts.reply })
      .from(deliveryAttempts)
      .where(and(where, attemptNotAlert))
      .orderBy(desc(deliveryAttempts.id))
      .limit(1);
  const ofRelay = eq(deliveryAttempts.relay, relay);
  const failures = relay === 'primary' ? or(and(ofRelay, failed), eq(deliveryAttempts.relay, 'backup')) : and(ofRelay, failed);
  const [[success], [failure]] = await Promise.all([latest(and(ofRelay, eq(deliveryAttempts.outcome, 'sent'))), latest(failures)]);
  return {
    lastSuccess: success ? { at: success.at } : null,
    lastError: failure ? { at: failure.at, reply: ownPart(failure.reply, relay) } : null,
  };
}

/**
 * A backup attempt's reply carries both relays' words (see mail/failover.ts): "250 … (primary
 * failed: 451 …)" or "primary: …; backup: …". Each relay's health shows its own part.
 */
export function ownPart(reply: string, relay: 'primary' | 'backup'): string {
  const parts = /^(?:primary: (?<primary>[^]*); backup: (?<backup>[^]*)|(?<backup2>[^]*) \(primary failed: (?<primary2>[^]*)\))$/.exec(
    reply,
  )?.groups;
  if (!parts) return reply;
  return relay === 'primary' ? (parts.primary ?? parts.primary2 ?? reply) : (parts.backup ?? parts.backup2 ?? reply);
}
