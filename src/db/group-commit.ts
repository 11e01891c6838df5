import { Worker } from 'node:worker_threads';
import type { InArgs } from '@libsql/client';

/** A unit of atomic work, and its outcome, as they cross to and from commit-worker.mjs. */
type Job = { id: number; statements: { sql: string; args: InArgs }[] };
type JobResult = { id: number; error?: { message: string; code?: string } };

/** A drizzle query builder, reduced to what the commit worker needs. */
export type Statement = { toSQL(): { sql: string; params: unknown[] } };

export type GroupCommit = {
  /** Commits the statements atomically; resolves once they are on disk. */
  commit(statements: Statement[]): Promise<void>;
  close(): Promise<void>;
};

/**
 * The main-thread side of commit-worker.ts. Node's `file:` driver runs statements
 * synchronously, so an fsync per request would stall every connection; here the
 * event loop keeps parsing while the worker commits whatever has queued up.
 */
export function createGroupCommit(url: string, authToken?: string): GroupCommit {
  const pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let worker: Worker | null = null;
  let outgoing: Job[] = [];
  const send = () => {
    const jobs = outgoing;
    outgoing = [];
    (worker ??= start()).postMessage(jobs);
  };

  const failAll = (error: Error) => {
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
    worker = null;
  };

  const start = () => {
    const started = new Worker(new URL('./commit-worker.mjs', import.meta.url), { workerData: { url, authToken } });
    started.on('message', (results: JobResult[]) => {
      for (const { id, error } of results) {
        const waiter = pending.get(id);
        pending.delete(id);
        if (error) waiter?.reject(Object.assign(new Error(error.message), { code: error.code }));
        else waiter?.resolve();
      }
    });
    started.on('error', (error) => failAll(error));
    started.on('exit', (code) => failAll(new Error(`commit worker exited with code ${code}`)));
    return started;
  };

  return {
    commit(statements) {
      const job: Job = {
        id: nextId++,
        statements: statements.map((statement) => {
          const { sql, params } = statement.toSQL();
          return { sql, args: params as InArgs };
        }),
      };
      return new Promise<void>((resolve, reject) => {
        pending.set(job.id, { resolve, reject });
        // One message per event-loop turn: structured cloning is paid per message, not per job.
        if (outgoing.push(job) === 1) setImmediate(send);
      });
    },
    async close() {
      const current = worker;
      worker = null;
      await current?.terminate();
    },
  };
}
