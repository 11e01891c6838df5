import type { BatchItem, BatchResponse } from 'drizzle-orm/batch';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type * as schema from './schema.ts';

/**
 * Any async drizzle SQLite database with atomic batches: libSQL on Node, D1 on Workers.
 * Shared code writes with `batch`, never interactive transactions, which D1 lacks.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the driver's run result differs (libSQL's ResultSet, D1's D1Result) and shared code never reads it
export type Db = BaseSQLiteDatabase<'async', any, typeof schema> & {
  batch<U extends BatchItem<'sqlite'>, T extends Readonly<[U, ...U[]]>>(batch: T): Promise<BatchResponse<T>>;
};

/** A write ready to run anywhere: SQL text and its bound values. */
export type WriteStatement = { sql: string; params: unknown[] };

/** A row a statement returned (RETURNING), keyed by SQL column name. */
export type Row = Record<string, unknown>;

/**
 * Commits statements atomically (all or none) and resolves once they are durable, with
 * each statement's rows (RETURNING). Node's file database groups concurrent commits into one
 * fsync (group-commit.ts); D1 and libSQL servers run each as one batch.
 */
export type Commit = (statements: WriteStatement[]) => Promise<Row[][]>;

/** True when a database error is a UNIQUE violation (libSQL and D1 word it the same way). */
export function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (
      /UNIQUE constraint failed|SQLITE_CONSTRAINT_UNIQUE|SQLITE_CONSTRAINT_PRIMARYKEY/.test(
        `${e.message} ${(e as { code?: string }).code ?? ''}`,
      )
    )
      return true;
  }
  return false;
}
