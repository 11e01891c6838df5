import type { BatchItem, BatchResponse } from 'drizzle-orm/batch';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type { Context } from 'hono';
import type { Config } from './config.ts';
import type * as schema from './db/schema.ts';
import type { DnsLookup } from './mail/domain-check.ts';
import type { Mailer } from './mail/mailer.ts';
import type { Row, WriteStatement } from './db/statements.ts';

/**
 * Any async drizzle SQLite database with atomic batches: libSQL on Node, D1 on Workers.
 * Shared code writes with `batch`, never interactive transactions, which D1 lacks.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Db = BaseSQLiteDatabase<'async', any, typeof schema> & {
  batch<U extends BatchItem<'sqlite'>, T extends Readonly<[U, ...U[]]>>(batch: T): Promise<BatchResponse<T>>;
};

export type Log = {
  info(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
};

/** Everything the runtime-free core needs; node.ts and worker.ts build this. */
export type Deps = {
  config: Config;
  db: Db;
  /**
   * Commits statements atomically (all or none) and resolves once they are durable, with
   * each statement's rows (RETURNING). The submission path and the outbox write through it: Node's file
   * database groups concurrent commits into one fsync (db/group-commit.ts); D1 and libSQL
   * servers run each as one batch.
   */
  commit: (statements: WriteStatement[]) => Promise<Row[][]>;
  /** null when SMTP is not configured: deliveries are then kept `held`. */
  mailer: Mailer | null;
  now: () => number;
  /** Runs work after the response: `waitUntil` on Workers, catch-and-log on Node. */
  defer: (work: Promise<unknown>) => void;
  log: Log;
  /** The peer address as the runtime sees it (socket on Node, CF-Connecting-IP on Workers). */
  clientIp: (c: Context) => string | undefined;
  /** The browser script, read from public/embed.js by the entry. */
  embedJs: string;
  /** DNS for the mail domain check: node:dns on Node; absent on Workers, where the check runs from the CLI. */
  dns?: DnsLookup;
};
