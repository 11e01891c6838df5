import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createClient, type Client, type InArgs } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import type { Commit } from './client.ts';
import * as schema from './schema.ts';

export type LibsqlDatabase = { db: ReturnType<typeof drizzle<typeof schema>>; client: Client };

/**
 * Opens a libSQL database (file or server). For a file, the write-ahead log with
 * synchronous=FULL is switched on and read back: an acknowledged commit is on disk
 * (RELIABILITY rule 1). This checks the first connection; the commit worker sets and checks
 * its own, and libSQL opens every further connection with FULL by default.
 */
export async function openLibsql(url: string, authToken?: string): Promise<LibsqlDatabase> {
  const isFile = url.startsWith('file:');
  if (isFile) {
    const path = url.slice('file:'.length).split('?')[0]!;
    if (path && path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  }
  // A writer waits up to 5 s for a lock instead of failing at once; past that the request answers 503.
  const client = createClient({ url, authToken, timeout: 5_000 });
  if (isFile) {
    const mode = (await client.execute('PRAGMA journal_mode=WAL')).rows[0]?.[0];
    await client.execute('PRAGMA synchronous=FULL');
    const sync = (await client.execute('PRAGMA synchronous')).rows[0]?.[0];
    if (mode !== 'wal' || Number(sync) !== 2) {
      client.close();
      throw new Error(`${url}: expected journal_mode=wal and synchronous=FULL, got ${mode} and ${sync}`);
    }
  }
  return { db: drizzle(client, { schema }), client };
}

/** Applies drizzle/ (the caller knows where it is: the entry's location decides). */
export async function migrateLibsql(database: LibsqlDatabase, migrationsFolder: string): Promise<void> {
  await migrate(database.db, { migrationsFolder });
}

/** Commits as one batch per call: for a libSQL server, which answers asynchronously anyway, and tests. */
export function batchCommit(client: Client): Commit {
  return async (statements) => {
    const results = await client.batch(
      statements.map(({ sql, params }) => ({ sql, args: params as InArgs })),
      'write',
    );
    return results.map(({ columns, rows }) => rows.map((row) => Object.fromEntries(columns.map((column, i) => [column, row[i]]))));
  };
}
