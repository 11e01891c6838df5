import { Worker } from 'node:worker_threads';
import type { Row, WriteStatement } from './client.ts';

/**
 * What crosses to commit-worker.mjs in one message: each SQL text once, statements naming
 * it by index, and what comes back per job. Both cross as JSON text: structured cloning of
 * the object graph cost ~20% more CPU per submission.
 */
type Job = { id: number; statements: { sql: number; params: unknown[] }[] };
type Group = { texts: string[]; jobs: Job[] };
type JobResult = { id: number; rows?: Row[][]; error?: { message: string; code?: string } };

export type GroupCommit = {
  /** Commits the statements atomically; resolves once they are on disk, with each statement's rows. */
  commit(statements: WriteStatement[]): Promise<Row[][]>;
  /** Stops the thread once every commit handed to it has been answered. */
  close(): Promise<void>;
};

/**
 * What the thread binds and JSON carries unchanged: text, finite numbers and NULL (the schema
 * has no blobs). The native driver aborts the whole process on a boolean, so anything else
 * fails its own commit here instead.
 */
const bindable = (value: unknown) => value === null || typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));

/**
 * The main-thread side of commit-worker.mjs. Node's `file:` driver runs statements
 * synchronously, so an fsync per request would stall every connection; here the
 * event loop keeps parsing while the worker commits whatever has queued up.
 */
export function createGroupCommit(url: string): GroupCommit {
  type Waiter = { resolve: (rows: Row[][]) => void; reject: (error: Error) => void };
  type Thread = { worker: Worker; waiting: Map<number, Waiter>; answered: () => Promise<void> };
  let nextId = 0;
  let current: Thread | null = null;
  let outgoing: { statements: WriteStatement[]; waiter: Waiter }[] = [];

  /**
   * Each worker answers only for the jobs it was given. When one dies, its jobs fail (503:
   * some may have been committed, which the visitor's retry with the same key replays) and
   * the next commit starts a fresh worker that a late `exit` of the old one cannot touch.
   */
  const start = (): Thread => {
    const waiting = new Map<number, Waiter>();
    const worker = new Worker(new URL('./commit-worker.mjs', import.meta.url), {
      workerData: { url },
      // It only relays statements: a small young generation keeps its isolate lean.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    let allAnswered = () => {};
    const thread: Thread = {
      worker,
      waiting,
      // Resolves once nothing is waiting for this thread; close() asks for it.
      answered: () => (waiting.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (allAnswered = resolve))),
    };
    worker.on('message', (message: string) => {
      for (const { id, rows, error } of JSON.parse(message) as JobResult[]) {
        const waiter = waiting.get(id);
        waiting.delete(id);
        if (error) waiter?.reject(Object.assign(new Error(error.message), { code: error.code }));
        else waiter?.resolve(rows ?? []);
      }
      if (waiting.size === 0) allAnswered();
    });
    const fail = (error: Error) => {
      for (const waiter of waiting.values()) waiter.reject(error);
      waiting.clear();
      allAnswered();
      if (current === thread) current = null;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`commit worker exited with code ${code}`)));
    return thread;
  };

  const send = () => {
    const batch = outgoing;
    outgoing = [];
    const thread = (current ??= start());
    const texts: string[] = [];
    const indexOf = new Map<string, number>();
    const jobs = batch.map(({ statements, waiter }): Job => {
      const id = nextId++;
      thread.waiting.set(id, waiter);
      return {
        id,
        statements: statements.map(({ sql, params }) => {
          let index = indexOf.get(sql);
          if (index === undefined) indexOf.set(sql, (index = texts.push(sql) - 1));
          return { sql: index, params };
        }),
      };
    });
    thread.worker.postMessage(JSON.stringify({ texts, jobs } satisfies Group));
  };

  return {
    commit(statements) {
      const unbindable = statements.find((statement) => !statement.params.every(bindable));
      if (unbindable) return Promise.reject(new TypeError(`Only text, finite numbers and NULL can be bound: ${unbindable.sql}`));
      return new Promise<Row[][]>((resolve, reject) => {
        // One message per event-loop turn: crossing to the thread is paid per message, not per job.
        if (outgoing.push({ statements, waiter: { resolve, reject } }) === 1) setImmediate(send);
      });
    },
    async close() {
      const closing = current;
      current = null;
      if (!closing) return;
      // Stopping the thread inside a native statement aborts the whole process (the driver
      // panics), so it is stopped only once it has answered for everything it was given.
      await closing.answered();
      await closing.worker.terminate();
    },
  };
}
