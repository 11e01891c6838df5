/**
 * Runs in a worker thread and owns one write connection to a libSQL file. Every write
 * that arrives while a commit is in flight joins the next one: one fsync covers many
 * submissions (group commit), and the main event loop never waits for the disk.
 * A group is committed as one batch; if that fails, each job runs inside its own SAVEPOINT,
 * so one job's constraint error leaves the others of its group untouched.
 *
 * Plain JavaScript on purpose: Node 20 cannot load a TypeScript worker without a loader,
 * and loading tsx in the thread cost ~40 MB. Types: see group-commit.ts (Job, JobResult).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createClient } from '@libsql/client';

/** @typedef {{ id: number, statements: { sql: string, args: unknown[] }[] }} Job */
/** @typedef {{ id: number, error?: { message: string, code?: string } }} JobResult */

const { url, authToken } = workerData;
// One connection, so the durability setting below holds for every commit (RELIABILITY rule 1).
const client = createClient({ url, authToken, timeout: 5_000, concurrency: 1 });
await client.execute('PRAGMA synchronous=FULL');
const synchronous = Number((await client.execute('PRAGMA synchronous')).rows[0]?.[0]);
// Refuse to commit anything rather than acknowledge writes that are not flushed: every job fails (503).
if (synchronous !== 2) throw new Error(`commit connection has synchronous=${synchronous}, expected 2 (FULL)`);
/** @type {Job[]} */
let queue = [];
let scheduled = false;

const describe = (/** @type {any} */ error) => ({ message: String(error?.message ?? error), code: error?.code });

/**
 * The whole group as one batch, the cheap common case. A failure rolls all of it back; then
 * the group is committed again job by job (an idempotency race, or the disk refusing).
 * @param {Job[]} jobs @returns {Promise<JobResult[]>}
 */
async function commitOptimistically(jobs) {
  try {
    await client.batch(jobs.flatMap((job) => job.statements), 'write');
    return jobs.map((job) => ({ id: job.id }));
  } catch {
    return commitEachJob(jobs);
  }
}

/** @param {Job[]} jobs @returns {Promise<JobResult[]>} */
async function commitEachJob(jobs) {
  /** @type {import('@libsql/client').Transaction | undefined} */
  let tx;
  /** @type {JobResult[]} */
  const results = [];
  try {
    // Inside the try: a lock held past the busy timeout fails this group (503), not the thread.
    tx = await client.transaction('write');
    for (const job of jobs) {
      await tx.execute('SAVEPOINT job');
      try {
        for (const statement of job.statements) await tx.execute(statement);
        await tx.execute('RELEASE job');
        results.push({ id: job.id });
      } catch (error) {
        await tx.execute('ROLLBACK TO job');
        await tx.execute('RELEASE job');
        results.push({ id: job.id, error: describe(error) });
      }
    }
    await tx.commit();
    return results;
  } catch (error) {
    // The commit itself failed (busy, disk full, I/O error): nothing of this group is stored.
    tx?.close();
    return jobs.map((job) => ({ id: job.id, error: describe(error) }));
  }
}

// Messages that arrived during a commit are delivered together once it returns to the
// event loop; setImmediate runs after them, so they all join one group.
async function flush() {
  scheduled = false;
  const jobs = queue;
  queue = [];
  parentPort.postMessage(await commitOptimistically(jobs));
}

parentPort.on('message', (/** @type {Job[]} */ jobs) => {
  queue.push(...jobs);
  if (!scheduled) {
    scheduled = true;
    setImmediate(() => void flush());
  }
});
