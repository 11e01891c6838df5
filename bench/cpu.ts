/**
 * CPU time of a process, all its threads (the commit thread, libuv's pool, the garbage
 * collector), from the kernel: on a shared two-core machine req/s mostly measures who got the
 * cores, while the CPU a server spends per request is its own cost, whoever else is running.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync, realpathSync } from 'node:fs';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** utime + stime (fields 14 and 15 of /proc/<pid>/stat) in µs; counted after the last ')', as the command name may hold spaces. */
function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
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
