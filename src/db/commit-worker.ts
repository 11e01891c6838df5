/**
 * Runs in a worker thread and owns one write connection to a libSQL file. Every write
 * that arrives while a commit is in flight joins the next one: one fsync covers many
 * submissions (group commit), and the main event loop never waits for the disk.
 * Each job runs inside its own SAVEPOINT, so one job's constraint error leaves the
 * others of its group untouched.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createClient } from '@libsql/client';
import type { InArgs } from '@libsql/client';

export type Job = { id: number; statements: { sql: string; args: InArgs }[] };
export type JobResult = { id: number; error?: { message: string; code?: string } };

const { url, authToken } = workerData as { url: string; authToken?: string };
const client = createClient({ url, authToken, timeout: 5_000 });
let queue: Job[] = [];
let scheduled = false;

const describe = (error: unknown) => ({ message: String((error as Error).message ?? error), code: (error as { code?: string }).code });

async function commitGroup(jobs: Job[]): Promise<JobResult[]> {
  const tx = await client.transaction('write');
  const results: JobResult[] = [];
  try {
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
    // The commit itself failed (disk full, I/O error): nothing of this group is stored.
    tx.close();
    return jobs.map((job) => ({ id: job.id, error: describe(error) }));
  }
}

// Messages that arrived during a commit are delivered together once it returns to the
// event loop; setImmediate runs after them, so they all join one group.
async function flush(): Promise<void> {
  scheduled = false;
  const jobs = queue;
  queue = [];
  parentPort!.postMessage(await commitGroup(jobs));
}

parentPort!.on('message', (jobs: Job[]) => {
  queue.push(...jobs);
  if (!scheduled) {
    scheduled = true;
    setImmediate(() => void flush());
  }
});
