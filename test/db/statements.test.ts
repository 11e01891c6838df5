import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveries, submissions } from '../../src/db/schema.ts';
import { batchCommit } from '../../src/db/libsql.ts';
import { eq } from 'drizzle-orm';
import { insertStatements, rowDecoder, statementOf } from '../../src/db/statements.ts';
import { tempDatabase } from '../support/app.ts';

let database: Awaited<ReturnType<typeof tempDatabase>>;
beforeAll(async () => {
  database = await tempDatabase();
});
afterAll(() => database.cleanup());

describe('insert templates (the submission path builds no query per request)', () => {
  it("should give drizzle's own SQL and values for rows with different columns, nulls and defaults", () => {
    const insertSubmission = insertStatements(submissions);
    const insertDelivery = insertStatements(deliveries);
    const rows: (typeof submissions.$inferInsert)[] = [
      {
        id: 's1',
        formId: 'f',
        createdAt: 1,
        status: 'inbox',
        data: { a: '=1', b: ['x', 'y'] },
        meta: { replyTo: 'a@b.test' },
        idempotencyKey: null,
        bodyHash: null,
      },
      { id: 's2', formId: 'f', createdAt: 2, status: 'spam', data: { '"q"': "it's" }, meta: {}, idempotencyKey: 'k', bodyHash: 'h' },
      { id: 's3', formId: 'f', createdAt: 3, status: 'inbox', data: {}, meta: {}, idempotencyKey: undefined },
    ];
    for (const row of rows) {
      const built = database.db.insert(submissions).values(row).toSQL();
      expect(insertSubmission(database.db, row)).toEqual({ sql: built.sql, params: built.params });
    }
    // `channel` and `attempts` are left to their defaults.
    const delivery = {
      id: 'd1',
      submissionId: 's1',
      recipients: ['o@site.test'],
      status: 'pending' as const,
      createdAt: 1,
      retrySince: 1,
      nextAttemptAt: 1,
      messageId: '<d1@x>',
    };
    const built = database.db.insert(deliveries).values(delivery).toSQL();
    expect(insertDelivery(database.db, delivery)).toEqual({ sql: built.sql, params: built.params });
  });

  it('should store what it builds', async () => {
    const statement = insertStatements(submissions)(database.db, {
      id: 'stored',
      formId: 'f',
      createdAt: 9,
      status: 'inbox',
      data: { n: 'v' },
      meta: {},
      idempotencyKey: null,
    });
    await database.client.execute({ sql: statement.sql, args: statement.params as never });
    const [row] = await database.db.select().from(submissions);
    expect(row).toMatchObject({ id: 'stored', data: { n: 'v' }, meta: {}, idempotencyKey: null, createdAt: 9 });
  });

  it("should commit atomically through a libSQL client's batch and return RETURNING rows by column name", async () => {
    const commit = batchCommit(database.client);
    const insert = insertStatements(submissions);
    const upsert = {
      sql: 'INSERT INTO rate_limits (key, window_start, count) VALUES (?, ?, 1) ON CONFLICT (key) DO UPDATE SET count = count + 1 RETURNING count, window_start',
      params: ['k', 5],
    };
    expect(
      await commit([insert(database.db, { id: 'b1', formId: 'f', createdAt: 1, status: 'inbox', data: {}, meta: {} }), upsert]),
    ).toEqual([[], [{ count: 1, window_start: 5 }]]);
    expect(await commit([upsert])).toEqual([[{ count: 2, window_start: 5 }]]);
    // The second insert repeats the first's id: nothing of this batch is kept.
    const twice = insert(database.db, { id: 'b2', formId: 'f', createdAt: 1, status: 'inbox', data: {}, meta: {} });
    await expect(commit([upsert, twice, twice])).rejects.toThrow(/UNIQUE/);
    expect(await commit([upsert])).toEqual([[{ count: 3, window_start: 5 }]]);
    expect((await database.db.select().from(submissions)).map((row) => row.id).sort()).toEqual(['b1', 'stored']);
  });

  it("should decode RETURNING rows from a commit exactly as drizzle's own returning() does", async () => {
    const commit = batchCommit(database.client);
    const delivery = {
      id: 'r1',
      submissionId: 's1',
      recipients: ['o@site.test', 'p@site.test'],
      status: 'pending' as const,
      createdAt: 1,
      retrySince: 1,
      nextAttemptAt: 7,
      messageId: '<r1@x>',
    };
    await database.db.insert(deliveries).values(delivery);
    const update = () => database.db.update(deliveries).set({ lastError: 'x' }).where(eq(deliveries.id, 'r1')).returning();
    const [rows] = await commit([statementOf(update())]);
    const row = rows![0];
    // JSON text becomes the list again, NULL stays null, integers stay numbers.
    expect(rowDecoder(deliveries)(row!)).toEqual((await update())[0]);
    expect(rowDecoder(deliveries)(row!)).toMatchObject({
      recipients: delivery.recipients,
      leaseUntil: null,
      nextAttemptAt: 7,
      channel: 'email',
      attempts: 0,
    });
  });
});
