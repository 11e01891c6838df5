/**
 * `npm run bench:workers`: the Workers build under `wrangler dev` (local workerd, D1 and Queue),
 * beside a bare Worker (first and last), the bare Worker plus one D1 batch, the least a
 * delivering Worker does (bench/floor-worker.ts) and the build of BENCH_TODAY (default: main
 * before the Queue landed) in the same run, each without wrangler's DevTools inspector
 * (BENCH_INSPECTOR=1: with it, as the plain CLI runs). For each:
 * req/s and latency (autocannon), workerd's CPU per submission from /proc (every workerd of that
 * `wrangler dev`, so the local D1 and Queue simulators count too), delivery included: the
 * measured phase ends when the outbox is empty. Then what D1 and the SMTP sink say: stored,
 * sent, mails, duplicates, failed attempts; and the CPU a mail costs once the load is over,
 * beside nodemailer alone in workerd (bench/mailer-worker.ts). With BENCH_PROFILE=1, last, in a
 * `wrangler dev` of its own, the CPU of the user Worker's isolate alone (bench/isolate-cpu.ts).
 * Loopback only; prints a table, writes bench/workers-results.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { configWithoutQueues, startWranglerDev, wrangler, type WranglerDev } from '../test/support/wrangler.ts';
import { groupCpuMeter } from './cpu.ts';
import { countingSink } from './delivery.ts';
import { isolateCpuMeter, isolateTimePerItem } from './isolate-cpu.ts';
import { BODY, CONNECTIONS } from './servers.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const WARMUP_SECONDS = 3;
/** The phase the user Worker's isolate is profiled in. */
const PROFILED_SECONDS = 10;
/** How long the outbox may take to empty after the load: the run stays bounded whatever happens. */
const DRAIN_SECONDS = 90;
// The first parent of "Merge workers-batch": main's last build that sent from each request.
const TODAY = process.env.BENCH_TODAY ?? '7ab3f5c^1';
/** Fewer mails sent after the load than this say nothing about a mail's cost (the polling dominates). */
const MIN_DRAIN_MAILS = 200;
const ADMIN_TOKEN = 'bench-token-0123456789-abcdef';

type Case = { name: string; config: string; formharbor: boolean; smtp: boolean };
type Sink = Awaited<ReturnType<typeof countingSink>>;

/** The build of `ref` in a folder of its own, sharing this checkout's node_modules. */
function checkout(ref: string, dir: string): string {
  const target = join(dir, 'today');
  mkdirSync(target);
  const archive = execFileSync('git', ['archive', ref, 'src', 'public', 'drizzle', 'wrangler.toml', 'tsconfig.json', 'package.json'], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  execFileSync('tar', ['-x', '-C', target], { input: archive });
  symlinkSync(join(ROOT, 'node_modules'), join(target, 'node_modules'));
  return join(target, 'wrangler.toml');
}

/** The build's batching (wrangler.toml's consumer), for the floor's consumer to batch alike. */
const BUILD_BATCHING = /^max_batch_size = .*\nmax_batch_timeout = .*$/m.exec(readFileSync(join(ROOT, 'wrangler.toml'), 'utf8'))![0];

type Reference = 'bare' | 'bare-d1' | 'floor';

/** A reference Worker's wrangler.toml: the floor has the build's D1, Queue settings and nodejs_compat. */
function referenceConfig(dir: string, name: Reference): string {
  const file = join(dir, `${name}.toml`);
  const d1 = name === 'bare' ? '' : `[[d1_databases]]\nbinding = "DB"\ndatabase_name = "${name}"\ndatabase_id = "${name}"\n`;
  const floor =
    name === 'floor'
      ? 'compatibility_flags = ["nodejs_compat"]\n[[queues.producers]]\nbinding = "DELIVERIES"\nqueue = "floor"\n' +
        `[[queues.consumers]]\nqueue = "floor"\n${BUILD_BATCHING}\n`
      : '';
  const main = JSON.stringify(join(ROOT, `bench/${name}-worker.ts`));
  writeFileSync(file, `name = "${name}"\nmain = ${main}\ncompatibility_date = "2026-04-01"\n${floor}${d1}`);
  return file;
}

const HEADERS = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };

/**
 * Each connection is a visitor of its own (CF-Connecting-IP, as Cloudflare sets it): twenty
 * bodies at once from one address are what the per-address body guard refuses.
 */
const load = (url: string, seconds: number) => {
  let visitor = 0;
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    method: 'POST',
    headers: HEADERS,
    body: BODY,
    setupClient: (client) => client.setHeaders({ ...HEADERS, 'cf-connecting-ip': `198.51.100.${++visitor}` }),
  });
};

/** Waits until nothing is pending, sweeping as the cron would (every 5 s here, not every minute). */
async function drain(dev: WranglerDev): Promise<number> {
  const deadline = Date.now() + DRAIN_SECONDS * 1000;
  let lastSweep = Date.now();
  for (;;) {
    const health = (await (await fetch(`${dev.url}/healthz`)).json()) as { outbox: { pending: number } };
    if (health.outbox.pending === 0 || Date.now() > deadline) return health.outbox.pending;
    if (Date.now() - lastSweep > 5_000) {
      lastSweep = Date.now();
      await fetch(`${dev.url}/__scheduled`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Waits until every acknowledged submission is delivered: Formharbor's outbox is empty, or
 * (the floor, which keeps no outbox) the sink has taken a mail for each. Answers how many are not.
 */
async function settle(testCase: Case, dev: WranglerDev, sink: Sink, mailsBefore: number, acknowledged: number): Promise<number> {
  if (testCase.formharbor) return drain(dev);
  if (!testCase.smtp) return 0;
  const deadline = Date.now() + DRAIN_SECONDS * 1000;
  for (;;) {
    const unsent = acknowledged - ((await sink.received()) - mailsBefore);
    if (unsent <= 0 || Date.now() > deadline) return Math.max(0, unsent);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** What the local D1 holds after a run. */
async function stored(stateDir: string, config: string) {
  const sql = `SELECT (SELECT count(*) FROM submissions) AS stored, (SELECT count(*) FROM deliveries WHERE status = 'sent') AS sent,
    (SELECT count(*) FROM delivery_attempts WHERE outcome <> 'sent') AS failedAttempts,
    (SELECT group_concat(DISTINCT substr(reply, 1, 60)) FROM delivery_attempts WHERE outcome <> 'sent') AS failures`;
  const out = await wrangler(
    ['d1', 'execute', 'DB', '--local', '--persist-to', stateDir, '--config', config, '--json', '--command', sql],
    stateDir,
  );
  const [{ results }] = JSON.parse(out.slice(out.indexOf('['), out.lastIndexOf(']') + 1)) as [{ results: Record<string, unknown>[] }];
  return results[0] as { stored: number; sent: number; failedAttempts: number; failures: string | null };
}

/**
 * The workerd that runs the Worker, its local D1 and Queue, which listens on a port of its own
 * choosing; wrangler's proxy in front of it (which a deployed Worker does not have) listens on
 * the dev server's port.
 */
const RUNTIME = '--socket-addr=entry=127.0.0.1:0';

/**
 * Every case runs without wrangler's DevTools inspector (test/support/start-worker.mjs says why)
 * unless BENCH_INSPECTOR=1, which measures under the plain `wrangler dev` CLI, as the figures
 * before 2026-12-05 were.
 */
const WITH_INSPECTOR = Boolean(process.env.BENCH_INSPECTOR);

/** `wrangler dev` of `testCase` on a fresh local D1, its form made: the path to post to. */
async function startCase(testCase: Case, sink: Sink, inspector: boolean) {
  const stateDir = mkdtempSync(join(tmpdir(), 'formharbor-bench-workers-'));
  let dev: WranglerDev | undefined;
  try {
    if (testCase.formharbor) {
      await wrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', stateDir, '--config', testCase.config], stateDir);
    }
    const vars = {
      ADMIN_TOKEN,
      // Required on Workers; mail links are all it is used for here.
      PUBLIC_URL: 'http://127.0.0.1:8787',
      RATE_LIMIT: 'off',
      DELIVERY_RETRY_SCHEDULE: '1s',
      ...(testCase.smtp && { SMTP_URL: sink.url }),
    };
    dev = await startWranglerDev(stateDir, vars, { config: testCase.config, inspector });
    let path = '/f/bench';
    if (testCase.formharbor) {
      const res = await fetch(`${dev.url}/api/forms`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Bench', recipients: ['owner@bench.test'] }),
      });
      path = `/f/${((await res.json()) as { id: string }).id}`;
    }
    return { dev, stateDir, path };
  } catch (error) {
    await dev?.stop();
    rmSync(stateDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The user Worker's isolate alone, in a `wrangler dev` of its own with the inspector (the
 * profiler needs it, and slows what it samples): load, then the drain profiled apart (the
 * isolate's cost of a mail).
 */
async function profiledPhase(testCase: Case, sink: Sink) {
  const { dev, stateDir, path } = await startCase(testCase, sink, true);
  try {
    await load(`${dev.url}${path}`, WARMUP_SECONDS);
    if (testCase.formharbor) await drain(dev);
    // Through wrangler's inspector proxy: workerd takes one DevTools session an isolate, and the proxy holds it.
    const inspectorPort = dev.inspectorPort!;
    const loadProfile = await isolateCpuMeter(inspectorPort, testCase.name);
    const profiled = await load(`${dev.url}${path}`, PROFILED_SECONDS);
    const loadTime = await loadProfile.stop();
    const mailsAtProfiledEnd = await sink.counts();
    const drainProfile = await isolateCpuMeter(inspectorPort, `${testCase.name}, delivery alone`);
    const unsent = testCase.formharbor ? await drain(dev) : 0;
    const drainTime = await drainProfile.stop();
    const mailsInProfiledDrain = (await sink.counts()).received - mailsAtProfiledEnd.received;
    return {
      isolateCpuMsPerSubmission: isolateTimePerItem([loadTime, drainTime], profiled['2xx']),
      ...(mailsInProfiledDrain >= MIN_DRAIN_MAILS && {
        deliveryIsolateMsPerMail: isolateTimePerItem([drainTime], mailsInProfiledDrain),
        mailsInProfiledDrain,
      }),
      profiledNon2xx: profiled.non2xx + profiled.errors + profiled.timeouts,
      profiledUnsent: unsent,
    };
  } finally {
    await dev.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

async function run(testCase: Case, sink: Sink) {
  const { dev, stateDir, path } = await startCase(testCase, sink, WITH_INSPECTOR);
  try {
    const mailsBefore = await sink.counts();
    const warmup = await load(`${dev.url}${path}`, WARMUP_SECONDS);
    await settle(testCase, dev, sink, mailsBefore.received, warmup['2xx']);
    const cpu = groupCpuMeter(dev.pid, 'workerd');
    const runtimeCpu = groupCpuMeter(dev.pid, 'workerd', RUNTIME);
    const result = await load(`${dev.url}${path}`, SECONDS);
    // The consumer lags behind the intake: what it sends after the load, with nothing else
    // running, is the cost of delivery alone (local D1 and Queue included).
    const drainCpu = groupCpuMeter(dev.pid, 'workerd', RUNTIME);
    const mailsAtLoadEnd = await sink.counts();
    const unsent = await settle(testCase, dev, sink, mailsBefore.received, warmup['2xx'] + result['2xx']);
    const mailsInDrain = (await sink.counts()).received - mailsAtLoadEnd.received;
    const deliveryCpuMsPerMail = mailsInDrain >= MIN_DRAIN_MAILS ? drainCpu.perItem(mailsInDrain) / 1000 : undefined;
    const ok = result['2xx'];
    const cpuMsPerSubmission = cpu.perItem(ok) / 1000;
    const runtimeCpuMsPerSubmission = runtimeCpu.perItem(ok) / 1000;
    const mailsAfter = await sink.counts();
    const failedLines = dev.output().match(/attempt \d+ failed/g)?.length ?? 0;
    // Before reading its D1 from the outside; the stop in `finally` (a no-op by then) is for a failure before this.
    await dev.stop();
    const db = testCase.formharbor ? await stored(stateDir, testCase.config) : undefined;
    // In a `wrangler dev` of its own, after this one stopped: its figures are kept apart.
    const profiledRun = process.env.BENCH_PROFILE ? await profiledPhase(testCase, sink) : undefined;
    return {
      reqPerSec: Math.round(result.requests.average),
      p50: result.latency.p50,
      p99: result.latency.p99,
      cpuMsPerSubmission: Number(cpuMsPerSubmission.toFixed(2)),
      runtimeCpuMsPerSubmission: Number(runtimeCpuMsPerSubmission.toFixed(2)),
      ...(deliveryCpuMsPerMail !== undefined && {
        deliveryCpuMsPerMail: Number(deliveryCpuMsPerMail.toFixed(2)),
        mailsInDrain,
      }),
      ...profiledRun,
      acknowledged: warmup['2xx'] + ok,
      non2xx: [warmup, result].reduce((sum, phase) => sum + phase.non2xx + phase.errors + phase.timeouts, 0),
      ...(db && { stored: db.stored, sent: db.sent, failedAttempts: db.failedAttempts, failures: db.failures }),
      mails: mailsAfter.received - mailsBefore.received,
      duplicates: mailsAfter.received - mailsBefore.received - (mailsAfter.distinct - mailsBefore.distinct),
      unsentAfterDrain: unsent,
      failedAttemptLogLines: failedLines,
    };
  } finally {
    await dev.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** Mails per reference round, and rounds: the median is reported. */
const REFERENCE_MAILS = 1000;
const REFERENCE_ROUNDS = 3;

/**
 * nodemailer alone in workerd (bench/mailer-worker.ts): runtime CPU per mail over the
 * consumer's connections into the same sink, no D1, no Queue; a warm-up round first, as the
 * JIT makes the first sends dearer.
 */
async function nodemailerAloneInWorkerd(dir: string, sink: Sink) {
  const stateDir = mkdtempSync(join(dir, 'reference-'));
  const config = join(dir, 'mailer-worker.toml');
  const main = JSON.stringify(join(ROOT, 'bench/mailer-worker.ts'));
  writeFileSync(
    config,
    `name = "mailer-reference"\nmain = ${main}\ncompatibility_date = "2026-04-01"\ncompatibility_flags = ["nodejs_compat"]\n`,
  );
  // With the inspector, which the profile below needs; no fetch, so no Network events for it to relay.
  const dev = await startWranglerDev(stateDir, { SMTP_URL: sink.url }, { config });
  try {
    const send = async (count: number) => {
      const answer = (await (await fetch(`${dev.url}/?n=${count}`)).json()) as { sent: number; failed: number };
      if (answer.failed > 0) throw new Error(`the reference Worker could not send ${answer.failed} of ${count} mails`);
    };
    await send(REFERENCE_MAILS / 2);
    const rounds: number[] = [];
    for (let round = 0; round < REFERENCE_ROUNDS; round++) {
      const cpu = groupCpuMeter(dev.pid, 'workerd', RUNTIME);
      await send(REFERENCE_MAILS);
      rounds.push(cpu.perItem(REFERENCE_MAILS) / 1000);
    }
    const median = [...rounds].sort((a, b) => a - b)[Math.floor(rounds.length / 2)]!;
    // The profiler's figure checked against the CPU of the thread the isolate runs on, which
    // also runs miniflare's entry Worker and workerd's own I/O: the isolate cannot take more.
    const profile = await isolateCpuMeter(dev.inspectorPort!, 'nodemailer alone');
    const thread = groupCpuMeter(dev.pid, 'workerd', RUNTIME, { mainThread: true });
    await send(REFERENCE_MAILS);
    const threadCpuMsPerMail = thread.perItem(REFERENCE_MAILS) / 1000;
    const isolateCpuMsPerMail = isolateTimePerItem([await profile.stop()], REFERENCE_MAILS);
    return {
      cpuMsPerMail: Number(median.toFixed(2)),
      rounds: rounds.map((ms) => Number(ms.toFixed(2))),
      isolateCpuMsPerMail,
      threadCpuMsPerMail: Number(threadCpuMsPerMail.toFixed(2)),
    };
  } finally {
    await dev.stop();
  }
}

function report(
  named: Record<'bare' | 'bareAgain' | 'bareD1' | 'floor' | 'today' | 'queued', Case>,
  results: Record<string, Awaited<ReturnType<typeof run>>>,
  reference: Awaited<ReturnType<typeof nodemailerAloneInWorkerd>>,
  load1: string,
): void {
  const [bareFirst, bareLast, bareD1, floor, today, queued] = [
    named.bare,
    named.bareAgain,
    named.bareD1,
    named.floor,
    named.today,
    named.queued,
  ].map((c) => results[c.name]!);
  const bare = bareFirst!.reqPerSec >= bareLast!.reqPerSec ? bareFirst : bareLast;
  const summary = {
    date: new Date().toISOString(),
    seconds: SECONDS,
    connections: CONNECTIONS,
    devToolsInspector: WITH_INSPECTOR,
    loadAverage: [load1, loadavg()[0]!.toFixed(1)],
    results,
    bareReqPerSecFirstAndLast: [bareFirst!.reqPerSec, bareLast!.reqPerSec],
    queuedVsBare: Number((queued!.reqPerSec / bare!.reqPerSec).toFixed(2)),
    bareD1VsBare: Number((bareD1!.reqPerSec / bare!.reqPerSec).toFixed(2)),
    floorVsBare: Number((floor!.reqPerSec / bare!.reqPerSec).toFixed(2)),
    queuedVsFloor: Number((queued!.reqPerSec / floor!.reqPerSec).toFixed(2)),
    queuedVsToday: Number((queued!.reqPerSec / today!.reqPerSec).toFixed(2)),
    nodemailerAloneInWorkerd: reference,
  };
  writeFileSync(new URL('./workers-results.json', import.meta.url), JSON.stringify(summary, null, 2) + '\n');
  console.table(
    Object.fromEntries(
      Object.entries(results).map(([name, r]) => [
        name,
        {
          'req/s': r.reqPerSec,
          'p50 ms': r.p50,
          'p99 ms': r.p99,
          'workerd CPU ms/sub': r.cpuMsPerSubmission,
          'runtime CPU ms/sub': r.runtimeCpuMsPerSubmission,
          'user Worker CPU ms/sub': r.isolateCpuMsPerSubmission
            ? `${r.isolateCpuMsPerSubmission.low}–${r.isolateCpuMsPerSubmission.high}`
            : '',
          'delivery alone ms/mail': r.deliveryCpuMsPerMail ?? '',
          '2xx': r.acknowledged,
          'non-2xx': r.non2xx,
          stored: r.stored ?? '',
          sent: r.sent ?? '',
          mails: r.mails,
          duplicates: r.duplicates,
          'failed attempts': r.failedAttempts ?? '',
        },
      ]),
    ),
  );
  for (const [name, r] of Object.entries(results)) if (r.failures) console.log(`${name}: failures: ${r.failures}`);
  console.log(`bare Worker, first and last: ${summary.bareReqPerSecFirstAndLast.join(' and ')} req/s; the ratios divide by the faster`);
  console.log(
    `Queue batches ÷ bare Worker req/s = ${summary.queuedVsBare}x (target ≥ 0.5); ÷ today = ${summary.queuedVsToday}x (target ≥ 3)`,
  );
  console.log(`bare Worker + one D1 batch ÷ bare Worker req/s = ${summary.bareD1VsBare}x: the local D1's share alone`);
  console.log(
    `least a delivering Worker does ÷ bare Worker req/s = ${summary.floorVsBare}x: the most any delivering build reaches here; ` +
      `Queue batches ÷ it = ${summary.queuedVsFloor}x`,
  );
  console.log(
    WITH_INSPECTOR
      ? 'measured under the plain `wrangler dev` CLI, DevTools inspector on: its relay costs CPU for every D1 call'
      : "measured without wrangler's DevTools inspector, as a deployed Worker runs (BENCH_INSPECTOR=1: with it)",
  );
  console.log(
    `delivery after the load: ${queued!.deliveryCpuMsPerMail ?? '?'} ms of runtime CPU a mail; nodemailer alone in workerd ` +
      `(same sink, ${REFERENCE_MAILS} mails, rounds ${reference.rounds.join(' / ')}): ${reference.cpuMsPerMail} ms a mail, ` +
      `its isolate ${reference.isolateCpuMsPerMail.low}–${reference.isolateCpuMsPerMail.high} ms ` +
      `(profiler; the thread it runs on: ${reference.threadCpuMsPerMail} ms)`,
  );
  const isolate = queued!.isolateCpuMsPerSubmission;
  if (isolate) console.log(`user Worker's isolate, delivery included: ${isolate.low}–${isolate.high} ms a submission (target ≤ 5)`);
  console.log(
    `load average ${summary.loadAverage.join(' → ')} on ${availableParallelism()} cores: a shared machine, figures are indicative`,
  );
}

// Killed by `timeout` or Ctrl-C: exit normally, so the wrangler groups still running are ended (test/support/wrangler.ts).
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

const dir = mkdtempSync(join(tmpdir(), 'formharbor-bench-workers-'));
const sink = await countingSink();
try {
  const newBuild = join(ROOT, 'wrangler.toml');
  const bare: Case = {
    name: 'bare Worker (parse body, answer JSON)',
    config: referenceConfig(dir, 'bare'),
    formharbor: false,
    smtp: false,
  };
  const named = {
    bare,
    bareD1: { name: 'bare Worker + one D1 batch of two inserts', config: referenceConfig(dir, 'bare-d1'), formharbor: false, smtp: false },
    floor: {
      name: 'least a delivering Worker does (the D1 batch, a Queue, nodemailer)',
      config: referenceConfig(dir, 'floor'),
      formharbor: false,
      smtp: true,
    },
    held: { name: 'Formharbor, mail held', config: newBuild, formharbor: true, smtp: false },
    today: { name: `Formharbor delivering, today (${TODAY})`, config: checkout(TODAY, dir), formharbor: true, smtp: true },
    queued: { name: 'Formharbor delivering, Queue batches', config: newBuild, formharbor: true, smtp: true },
    ...(process.env.BENCH_ALL && {
      unbound: { name: 'Formharbor delivering, no queue binding', config: configWithoutQueues(dir), formharbor: true, smtp: true },
    }),
    // The bare Worker's req/s moved by a third between runs on this machine (1,140 in some, 730 in
    // others) while the rest moved less: measured first and last, the faster is the reference.
    bareAgain: { ...bare, name: 'bare Worker again, last' },
  } satisfies Record<string, Case>;
  const cases: Case[] = Object.values(named);
  const load1 = loadavg()[0]!.toFixed(1);
  const results: Record<string, Awaited<ReturnType<typeof run>>> = {};
  // BENCH_ONLY=held|Queue: those cases alone, printed, while exploring; bench/workers-results.json keeps the last full run.
  const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY, 'i') : undefined;
  for (const testCase of cases.filter((c) => !only || only.test(c.name))) {
    console.log(`${testCase.name}: ${SECONDS} s of load, ${CONNECTIONS} connections...`);
    results[testCase.name] = await run(testCase, sink);
    if (only) console.log(JSON.stringify(results[testCase.name]));
  }
  if (!only) report(named, results, await nodemailerAloneInWorkerd(dir, sink), load1);
  else if (only.test('nodemailer alone')) console.log(JSON.stringify(await nodemailerAloneInWorkerd(dir, sink)));
} finally {
  sink.close();
  rmSync(dir, { recursive: true, force: true });
}
