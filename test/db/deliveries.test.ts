import { afterAll, describe, expect, it } from 'vitest';
import { outcomeWrites } from '../../src/db/deliveries.ts';
import { tempDatabase } from '../support/app.ts';

const database = await tempDatabase();
afterAll(() => database.cleanup());

describe('delivery writes', () => {
  it('should keep every statement recording a chunk within D1’s 100 bound values', () => {
    const attempts = Array.from({ length: 100 }, (_, i) => ({
      id: `01DELIVERY${String(i).padStart(16, '0')}`,
      outcome: 'temporary' as const,
      reply: `451 try later ${i}`,
      relay: 'backup' as const,
    }));
    const ids = attempts.map((a) => a.id);
    const statements = outcomeWrites(database.db, {
      now: 1,
      leaseUntil: 2,
      attempts,
      sentIds: ids,
      changes: ids.map((id) => ({ id, change: { status: 'pending', nextAttemptAt: 3 } })),
    }).map((query) => query.toSQL());
    expect(statements.length).toBeGreaterThan(2);
    for (const { params } of statements) expect(params.length).toBeLessThanOrEqual(100);
  });
});
