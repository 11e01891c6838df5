import type { Db } from './client.ts';
import { adminSessions, deliveries, deliveryAttempts, forms, incidents, rateLimits, submissions } from './schema.ts';

/**
 * Names every column of every table, reading no rows: a database that misses a migration
 * (on Workers they are applied by hand, with wrangler) fails the health check instead of
 * passing it while every submission is refused with a 503.
 */
export async function checkSchema(db: Db): Promise<void> {
  await Promise.all(
    [forms, submissions, deliveries, deliveryAttempts, rateLimits, adminSessions, incidents].map((table) =>
      db.select().from(table).limit(0),
    ),
  );
}
