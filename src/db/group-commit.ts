import { Worker } from 'node:worker_threads';
import type { InArgs } from '@libsql/client';
import type { Job, JobResult } from './commit-worker.ts';

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
    // The worker is TypeScript. On Node 20 a worker's entry loads before `--import` hooks
    // are ready, so a bootstrap registers tsx first, then imports it.
    const entry = JSON.stringify(new URL('./commit-worker.ts', import.meta.url).href);
    const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
    const bootstrap = `import(${tsx}).then(({ register }) => { register(); return import(${entry}); })`;
    const started = new Worker(bootstrap, { eval: true, workerData: { url, authToken } });
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
