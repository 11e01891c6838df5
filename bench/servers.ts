/**
 * The servers the bench loads, each in its own node process on 127.0.0.1, and the load:
 * autocannon for a warm-up, then for the measured phase with the server's CPU counted around it.
 */
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { cpuMeter } from './cpu.ts';

export const BODY = 'name=Alice&email=alice%40example.com&message=Hello+there%2C+I+would+like+a+quote+for+a+website.';
export const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
/** Long enough for the JIT to settle, so the measured phase counts steady-state CPU only. */
const WARMUP = Math.min(3, DURATION);
export const CONNECTIONS = 20;
const STARTUP_SECONDS = 30;

/**
 * `npm start`'s command line after `node`: the durable runs start its script, and every server
 * here runs with its flags (V8's heap sizes among them), so all are compared on equal terms.
 */
const START_ARGS: string[] = JSON.parse(readFileSync('package.json', 'utf8')).scripts.start.split(/\s+/).slice(1);
const NODE_FLAGS = START_ARGS.slice(0, -1);
export const START_SCRIPT = START_ARGS.at(-1)!;

export type Server = { child: ChildProcess; port: number; peakRssMb: () => number; stop: () => Promise<void> };

/**
 * Starts a server in its own process, so the load generator does not share its event loop.
 * Node itself is spawned (no npm or sh in between), so the child's pid is the server's.
 */
export async function startServer(args: string[], env: NodeJS.ProcessEnv): Promise<Server> {
  const child = spawn(process.execPath, [...NODE_FLAGS, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    // Keeps the bench bounded when a server never listens.
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} did not listen within ${STARTUP_SECONDS} s: ${out}`));
    }, STARTUP_SECONDS * 1000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      const match = /\(port (\d+)\)/.exec(out);
      if (!match) return;
      clearTimeout(deadline);
      resolve(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}: ${out}`)));
  });
  return {
    child,
    port,
    // The kernel's high-water mark: samples of the current RSS every 200 ms can miss a peak
    // (152 MB sampled, 156 MB high-water in one run: the old generation grows and falls between them).
    peakRssMb: () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

/** A server of bench/, bundled like dist/node.js and one folder below the project as it is, so paths resolve alike. */
export function bundled(name: string) {
  execSync(
    `npx esbuild bench/${name}.ts --bundle --format=esm --platform=node --packages=external --outfile=dist/bench-${name}.js --log-level=warning`,
  );
  return `dist/bench-${name}.js`;
}

function autocannonRun(port: number, path: string, seconds: number) {
  return autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    connections: CONNECTIONS,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: BODY,
  });
}

/**
 * A warm-up (not counted), then the measured phase. CPU per request is the server's CPU over
 * the measured phase divided by the requests it answered 2xx; the generator's (this process,
 * autocannon alone at that moment) is kept beside it, as it shares the two cores.
 */
export async function measure(server: Server, path: string) {
  const warmup = await autocannonRun(server.port, path, WARMUP);
  const serverCpu = cpuMeter(server.child.pid!);
  const generatorCpu = cpuMeter(process.pid);
  const result = await autocannonRun(server.port, path, DURATION);
  const ok = result['2xx'];
  return {
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok,
    non2xx: result.non2xx + result.errors + result.timeouts,
    warmupOk: warmup['2xx'],
    cpuUsPerRequest: serverCpu.perItem(ok),
    generatorCpuUsPerRequest: generatorCpu.perItem(ok),
  };
}
