/**
 * The time the user Worker's own isolate runs, from V8's sampling profiler over the DevTools
 * port `wrangler dev` opens for it. /proc counts every isolate of the runtime (the local D1 and
 * Queue simulators are Workers too) and its I/O threads; a deployed Worker is billed for its own
 * isolate only, which is what the profiler samples: V8 takes a sample only while a thread has
 * entered the isolate, so time spent waiting for D1, the Queue or a socket leaves no sample.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';

/** ms, low and high: see `stop`. */
export type IsolateTime = { low: number; high: number };

/** The sum of `times`, per item, rounded for a report. */
export function isolateTimePerItem(times: IsolateTime[], count: number): IsolateTime {
  const per = (pick: (time: IsolateTime) => number) => Number((times.reduce((sum, time) => sum + pick(time), 0) / count).toFixed(2));
  return { low: per((time) => time.low), high: per((time) => time.high) };
}

type Profile = { samples: number[]; timeDeltas: number[]; nodes: { id: number; callFrame: { functionName: string } }[] };

/** Asks for a sample every 250 µs; V8 takes them a little slower, which the median period measures. */
const SAMPLING_INTERVAL_US = 250;

/**
 * Starts profiling the isolate behind `inspectorPort`. With BENCH_CPUPROFILE set to a folder, the
 * profile is also written there as `<name>.cpuprofile`, to open in Chrome DevTools.
 */
export async function isolateCpuMeter(inspectorPort: number, name: string) {
  const [target] = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as { webSocketDebuggerUrl: string }[];
  const socket = new WebSocket(target!.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  let lastId = 0;
  const replies = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) replies.get(message.id)?.resolve(message.result);
  });
  // A session the runtime ends (workerd takes one an isolate) fails the bench instead of stalling it.
  socket.on('close', (code) => replies.forEach(({ reject }) => reject(new Error(`the DevTools session closed (${code})`))));
  const call = <T>(method: string, params: object = {}) =>
    new Promise<T>((resolve, reject) => {
      replies.set(++lastId, { resolve: resolve as (result: unknown) => void, reject });
      socket.send(JSON.stringify({ id: lastId, method, params }));
    });
  await call('Profiler.enable');
  await call('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
  await call('Profiler.start');
  return {
    /**
     * ms the isolate ran, as a range. V8 samples at its own pace (the median period) while the
     * isolate is entered; a longer delta spans a stretch with the isolate left. Low: samples
     * taken times the period. High: every delta counted, up to two periods, so a stretch away
     * adds at most two periods: the figure to hold a CPU limit against.
     */
    async stop(): Promise<IsolateTime> {
      const { profile } = await call<{ profile: Profile }>('Profiler.stop');
      socket.close();
      const folder = process.env.BENCH_CPUPROFILE;
      if (folder) writeFileSync(join(folder, `${name.replace(/[^\w.-]+/g, '-')}.cpuprofile`), JSON.stringify(profile));
      const idle = new Set(profile.nodes.filter((node) => node.callFrame.functionName === '(idle)').map((node) => node.id));
      const periods = profile.timeDeltas.filter((delta) => delta > 0).sort((a, b) => a - b);
      const period = periods[Math.floor(periods.length / 2)] ?? SAMPLING_INTERVAL_US;
      let running = 0;
      let upTo = 0;
      profile.samples.forEach((node, i) => {
        if (idle.has(node)) return;
        running++;
        // The delta after a sample is how long until the next one: this sample's share.
        upTo += Math.min(profile.timeDeltas[i + 1] ?? period, 2 * period);
      });
      return { low: (running * period) / 1000, high: upTo / 1000 };
    },
  };
}
