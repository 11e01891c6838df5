import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { cpuMeter } from '../../bench/cpu.ts';

// A node process whose worker thread, once told, burns 300 ms of CPU (counted by the process's
// own clock, so the machine's load changes how long it takes, not how much), then says so.
const SPIN_US = 300_000;
const spinner = `
const { Worker } = require('node:worker_threads');
process.stdin.once('data', () => {
  const worker = new Worker(\`
    const start = process.cpuUsage();
    for (;;) { const used = process.cpuUsage(start); if (used.user + used.system >= ${SPIN_US}) break; }
  \`, { eval: true });
  worker.on('exit', () => console.log('spun'));
});
console.log('ready');`;

const children: ChildProcess[] = [];
afterEach(() => children.splice(0).forEach((child) => child.kill('SIGKILL')));

function started(command: string, args: string[]) {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  return child;
}

describe('cpuMeter', () => {
  it('should count the CPU a node process spends in its other threads', async () => {
    const child = started(process.execPath, ['-e', spinner]);
    await once(child.stdout!, 'data');
    const meter = cpuMeter(child.pid!);
    child.stdin!.write('go\n');
    await once(child.stdout!, 'data');
    // Clock ticks are 10 ms: allow one tick less.
    expect(meter.perItem(1)).toBeGreaterThanOrEqual(SPIN_US - 10_000);
  });

  it('should refuse a pid that is not node, such as a shell wrapping it', async () => {
    const wrapper = started('sh', ['-c', 'read line']);
    await once(wrapper, 'spawn');
    expect(() => cpuMeter(wrapper.pid!)).toThrow(/not node/);
  });
});
