import { Worker } from 'node:worker_threads';
import type { Row, WriteStatement } from './statements.ts';

/**
 * What crosses to commit-worker.mjs in one message: each SQL text once, statements naming
 * it by index, and what comes back per job. Both cross as JSON text: structured cloning of
 * the object graph cost ~20% more CPU per submission. The bound values are text, numbers
 * and NULL (the schema has no blobs); anything else fails its commit rather than change.
 */
type Job = { id: number; statements: { sql: number; params: unknown[] }[] };
type Group = { texts: string[]; jobs: Job[] };
type JobResult = { id: number; rows?: Row[][]; error?: { message: string; code?: string } };

export type GroupCommit = {
  /** Commits the statements atomically; resolves once they are on disk, with each statement's rows. */
  commit(statements: WriteStatement[]): Promise<Row[][]>;
  close(): Promise<void>;
};

/**
 * The main-thread side of commit-worker.mjs. Node's `file:` driver runs statements
 * synchronously, so an fsync per request would stall every connection; here the
 * event loop keeps parsing while the worker commits whatever has queued up.
 */
export function createGroupCommit(url: string): GroupCommit {
  type Waiter = { resolve: (rows: Row[][]) => void; reject: (error: Error) => void };
  let nextId = 0;
  let current: { worker: Worker; waiting: Map<number, Waiter> } | null = null;
  let outgoing: { statements: WriteStatement[]; waiter: Waiter }[] = [];

  /**
   * Each worker answers only for the jobs it was given. When one dies, its jobs fail (503:
   * some may have been committed, which the visitor's retry with the same key replays) and
   * the next commit starts a fresh worker that a late `exit` of the old one cannot touch.
   */
  const start = () => {
    const waiting = new Map<number, Waiter>();
    const worker = new Worker(new URL('./commit-worker.mjs', import.meta.url), {
      workerData: { url },
      // It only relays statements: a small young generation keeps its isolate lean.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    const started = { worker, waiting };
    worker.on('message', (message: string) => {
      for (const { id, rows, error } of JSON.parse(message) as JobResult[]) {
        const waiter = waiting.get(id);
        waiting.delete(id);
        if (error) waiter?.reject(Object.assign(new Error(error.message), { code: error.code }));
        else waiter?.resolve(rows ?? []);
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
    const texts: string[] = [];
    const indexOf = new Map<string, number>();
    const jobs = batch.map(({ statements, waiter }): Job => {
      const id = nextId++;
      current!.waiting.set(id, waiter);
      return {
        id,
        statements: statements.map(({ sql, params }) => {
          let index = indexOf.get(sql);
          if (index === undefined) indexOf.set(sql, (index = texts.push(sql) - 1));
          return { sql: index, params };
        }),
      };
    });
    current.worker.postMessage(JSON.stringify({ texts, jobs } satisfies Group));
  };

  return {
    commit(statements) {
      return new Promise<Row[][]>((resolve, reject) => {
        // One message per event-loop turn: structured cloning is paid per message, not per job.
        if (outgoing.push({ statements, waiter: { resolve, reject } }) === 1) setImmediate(send);
      });
    },
    async close() {
      const closing = current;
      current = null;
      await closing?.worker.terminate();
    },
  };
}
