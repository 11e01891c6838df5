/**
 * Runs in a worker thread and owns one write connection to a libSQL file. Every write
 * that arrives while a commit is in flight joins the next one: one fsync covers many
 * submissions (group commit), and the main event loop never waits for the disk.
 * A group is committed as one transaction; if that fails, each job runs inside its own
 * SAVEPOINT, so one job's constraint error leaves the others of its group untouched.
 *
 * It drives `libsql`, the synchronous driver under @libsql/client, directly: statements are
 * prepared once and reused, which made a commit of a group about twice as cheap.
 * Plain JavaScript on purpose: Node 20 cannot load a TypeScript worker without a loader,
 * and loading tsx in the thread cost ~40 MB. Types: see group-commit.ts (Group, JobResult).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { expandConfig } from '@libsql/core/config';
import Database from 'libsql';

/** @typedef {{ id: number, statements: { sql: number, params: unknown[] }[] }} Job */
/** @typedef {{ texts: string[], jobs: Job[] }} Group */
/** @typedef {{ id: number, statements: { sql: string, params: unknown[] }[] }} ReadyJob */
/** @typedef {{ id: number, rows?: Record<string, unknown>[][], error?: { message: string, code?: string } }} JobResult */

const { url } = workerData;
// The path exactly as @libsql/client reads the same URL on the main thread.
const { path } = expandConfig({ url }, true);
// The same busy timeout as the main connection: a lock held longer fails the group (503).
const db = new Database(path, { timeout: 5_000 });
db.exec('PRAGMA synchronous=FULL');
const synchronous = db.prepare('PRAGMA synchronous').raw().get()?.[0];
// Refuse to commit anything rather than acknowledge writes that are not flushed: every job fails (503).
if (synchronous !== 2) throw new Error(`commit connection has synchronous=${synchronous}, expected 2 (FULL)`);

/** @type {Map<string, ReturnType<Database['prepare']>>} */
const prepared = new Map();
/** @param {string} sql */
function statementFor(sql) {
  let statement = prepared.get(sql);
  if (!statement) prepared.set(sql, (statement = db.prepare(sql)));
  return statement;
}

const describe = (/** @type {any} */ error) => ({ message: String(error?.message ?? error), code: error?.code });

/** Each statement's rows: RETURNING ones give theirs, the others none. @param {ReadyJob} job */
function runJob(job) {
  return job.statements.map(({ sql, params }) => {
    const statement = statementFor(sql);
    if (statement.reader) return statement.all(params);
    statement.run(params);
    return [];
  });
}

function rollback() {
  try {
    if (db.inTransaction) db.exec('ROLLBACK');
  } catch {
    // SQLite already rolled back (a failed COMMIT can do that); nothing is left open.
  }
}

/** @param {ReadyJob[]} jobs @param {unknown} error @returns {JobResult[]} */
const failAll = (jobs, error) => jobs.map((job) => ({ id: job.id, error: describe(error) }));

/**
 * The whole group as one transaction, the cheap common case. A failure rolls all of it back;
 * then the group is committed again job by job (an idempotency race, or the disk refusing).
 * @param {ReadyJob[]} jobs @returns {JobResult[]}
 */
function commitOptimistically(jobs) {
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (error) {
    // The write lock stayed taken past the busy timeout: waiting that long again would only
    // double the visitors' wait for their 503.
    return failAll(jobs, error);
  }
  try {
    const rows = jobs.map(runJob);
    db.exec('COMMIT');
    return jobs.map((job, i) => ({ id: job.id, rows: rows[i] }));
  } catch {
    rollback();
    return commitEachJob(jobs);
  }
}

/** @param {ReadyJob[]} jobs @returns {JobResult[]} */
function commitEachJob(jobs) {
  try {
    db.exec('BEGIN IMMEDIATE');
    const results = jobs.map((job) => {
      db.exec('SAVEPOINT job');
      try {
        const rows = runJob(job);
        db.exec('RELEASE job');
        return { id: job.id, rows };
      } catch (error) {
        // Disk full or an I/O error ends the whole transaction, group-mates included: say so.
        if (!db.inTransaction) throw error;
        db.exec('ROLLBACK TO job');
        db.exec('RELEASE job');
        return { id: job.id, error: describe(error) };
      }
    });
    db.exec('COMMIT');
    return results;
  } catch (error) {
    // The transaction itself failed (busy, disk full, I/O error): nothing of this group is stored.
    rollback();
    return failAll(jobs, error);
  }
}

/** @type {ReadyJob[]} */
let queue = [];
let scheduled = false;

// Messages that arrived during a commit are delivered together once it returns to the
// event loop; setImmediate runs after them, so they all join one group.
function flush() {
  scheduled = false;
  const jobs = queue;
  queue = [];
  parentPort.postMessage(JSON.stringify(commitOptimistically(jobs)));
}

// JSON text, each SQL text once; statements name it by its index (see group-commit.ts).
parentPort.on('message', (/** @type {string} */ message) => {
  /** @type {Group} */
  const { texts, jobs } = JSON.parse(message);
  for (const job of jobs) queue.push({ id: job.id, statements: job.statements.map(({ sql, params }) => ({ sql: texts[sql], params })) });
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
});
