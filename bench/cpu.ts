/**
 * CPU time of a process, all its threads (the commit thread, libuv's pool, the garbage
 * collector), from the kernel: on a shared two-core machine req/s mostly measures who got the
 * cores, while the CPU a server spends per request is its own cost, whoever else is running.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/**
 * utime + stime (fields 14 and 15 of /proc/<pid>/stat) in µs; counted after the last ')', as the
 * command name may hold spaces. With `mainThread`, only the process's first thread's.
 */
function cpuMicros(pid: number, mainThread = false): number {
  const stat = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / TICKS_PER_SECOND;
}

/**
 * Starts counting the CPU of `pid`, which must be a node process itself (an npm or sh wrapper
 * would count none of the server's work); `stop` returns the µs spent since, per `count` items.
 */
export function cpuMeter(pid: number) {
  const exe = realpathSync(readlinkSync(`/proc/${pid}/exe`));
  if (exe !== realpathSync(process.execPath)) throw new Error(`pid ${pid} runs ${exe}, not node`);
  const before = cpuMicros(pid);
  return {
    perItem: (count: number) => Number(((cpuMicros(pid) - before) / count).toFixed(1)),
  };
}

/** The process group (field 5 of /proc/<pid>/stat) and command name of a process, or undefined once it is gone. */
function groupAndName(pid: number): { group: number; name: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    return { group: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]), name };
  } catch {
    return undefined;
  }
}

/** Whether a process's command line has `argument` (false once it is gone). */
function hasArgument(pid: number, argument: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .some((arg) => arg.startsWith(argument));
  } catch {
    return false;
  }
}

/**
 * CPU of every process named `name` in process group `group` (only those started with
 * `argument`, when given), in µs; one that exits between two reads is skipped.
 */
function groupCpuMicros(group: number, name: string, argument?: string, mainThread = false): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    const process = Number.isInteger(pid) ? groupAndName(pid) : undefined;
    if (process?.group !== group || process.name !== name) continue;
    if (argument && !hasArgument(pid, argument)) continue;
    try {
      total += cpuMicros(pid, mainThread);
    } catch {
      // Exited meanwhile.
    }
  }
  return total;
}

/**
 * Counts the CPU of every `name` process (e.g. workerd) in the process group `group`: a
 * `wrangler dev` started detached leads its own group, so other engineers' workerd are not counted.
 * `mainThread`: only their first threads, where workerd runs its isolates (V8's helper threads,
 * which collect garbage and compile beside it, are left out).
 */
export function groupCpuMeter(group: number, name: string, argument?: string, { mainThread = false } = {}) {
  const before = groupCpuMicros(group, name, argument, mainThread);
  return {
    perItem: (count: number) => Number(((groupCpuMicros(group, name, argument, mainThread) - before) / count).toFixed(1)),
  };
}
