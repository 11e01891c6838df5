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
 * The main-thread side of commit-worker.mjs. Node's `file:` driver runs statements
 * synchronously, so an fsync per request would stall every connection; here the
 * event loop keeps parsing while the worker commits whatever has queued up.
 */
export function createGroupCommit(url: string, authToken?: string): GroupCommit {
  type Waiter = { resolve: () => void; reject: (error: Error) => void };
  let nextId = 0;
  let current: { worker: Worker; waiting: Map<number, Waiter> } | null = null;
  let outgoing: { job: Job; waiter: Waiter }[] = [];

  /**
   * Each worker answers only for the jobs it was given. When one dies, its jobs fail (503:
   * some may have been committed, which the visitor's retry with the same key replays) and
   * the next commit starts a fresh worker that a late `exit` of the old one cannot touch.
   */
  const start = () => {
    const waiting = new Map<number, Waiter>();
    const worker = new Worker(new URL('./commit-worker.mjs', import.meta.url), {
      workerData: { url, authToken },
      // It only relays statements: a small young generation keeps its isolate lean.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    const started = { worker, waiting };
    worker.on('message', (results: JobResult[]) => {
      for (const { id, error } of results) {
        const waiter = waiting.get(id);
        waiting.delete(id);
        if (error) waiter?.reject(Object.assign(new Error(error.message), { code: error.code }));
        else waiter?.resolve();
      }
    });
    const fail = (error: Error) => {
      for (const waiter of waiting.values()) waiter.reject(error);
      waiting.clear();
      if (current === started) current = null;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`commit worker exited with code ${code}`)));
    return started;
  };

  const send = () => {
    const batch = outgoing;
    outgoing = [];
    current ??= start();
    for (const { job, waiter } of batch) current.waiting.set(job.id, waiter);
    current.worker.postMessage(batch.map(({ job }) => job));
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
        // One message per event-loop turn: structured cloning is paid per message, not per job.
        if (outgoing.push({ job, waiter: { resolve, reject } }) === 1) setImmediate(send);
      });
    },
    async close() {
      const closing = current;
      current = null;
      await closing?.worker.terminate();
    },
  };
}
