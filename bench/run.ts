/**
 * `npm run bench`: durable ingest beside plain Hono endpoints in the same run, then outbox
 * delivery into a local SMTP sink. All on 127.0.0.1. On two shared cores autocannon takes about
 * one, so req/s ratios mostly measure the generator: the figure that compares servers is the CPU
 * each spends per answered request (bench/cpu.ts). Prints tables, writes bench/results.json.
 */
import { execFileSync, execSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { count, eq } from 'drizzle-orm';
import { openLibsql } from '../src/db/libsql.ts';
import { submissions } from '../src/db/schema.ts';
import { delivery } from './delivery.ts';
import { bundled, CONNECTIONS, DURATION, measure, START_SCRIPT, startServer } from './servers.ts';

/** The durable route's CPU per request may be at most this many times plain Hono's parseBody route's. */
const CPU_TARGET = 2;
/** Signed deliveries per second the outbox should reach (issue 13). */
const DKIM_TARGET = 600;
/** Busy work of a known cost added to the bare endpoint: its CPU per request should read about this much more. */
const BUSY_US = 20;

/** The project's servers, on loopback with mail held (no SMTP_URL). All load comes from one address, so a rate limit has to be off or high. */
const serverEnv = (databaseUrl: string, rateLimit = 'off') => ({
  HOST: '127.0.0.1',
  PORT: '0',
  DATABASE_URL: databaseUrl,
  RATE_LIMIT: rateLimit,
  SMTP_URL: '',
  ADMIN_TOKEN: 'bench-token-0123456789-abcdef',
  ADMIN_PASSWORD: 'bench-password',
});

/** The compiled server (exactly what `npm start` runs) on a fresh database, loaded; then what it stored. */
async function durableRun(databaseUrl: string, rateLimit: string) {
  const server = await startServer([START_SCRIPT], serverEnv(databaseUrl, rateLimit));
  const result = await measure(server, '/f/demo');
  const rss = server.peakRssMb();
  await server.stop();
  const database = await openLibsql(databaseUrl);
  const [stored] = await database.db.select({ n: count() }).from(submissions).where(eq(submissions.formId, 'demo'));
  const integrity = (await database.client.execute('PRAGMA integrity_check')).rows[0]![0];
  database.client.close();
  return { ...result, stored: stored!.n, integrity, peakRssMb: Math.round(rss) };
}

/** A server of bench/ started with `env`, loaded on `path`. */
async function referenceRun(script: string, path: string, env: NodeJS.ProcessEnv) {
  const server = await startServer([script], env);
  const result = await measure(server, path);
  await server.stop();
  return result;
}

async function ingest(dir: string) {
  const bareServer = bundled('bare-server');
  const bare = await referenceRun(bareServer, '/f/demo', { BUSY_US: '0' });
  const bareBusy = await referenceRun(bareServer, '/f/demo', { BUSY_US: String(BUSY_US) });
  const parseBody = await referenceRun(bareServer, '/parse-body/demo', { BUSY_US: '0' });

  execSync('npm run build', { stdio: 'ignore' });
  const noStorage = await referenceRun(bundled('stub-server'), '/f/demo', serverEnv(`file:${join(dir, 'stub.db')}`));
  const minimalDurable = await referenceRun(bundled('minimal-server'), '/f/demo', serverEnv(`file:${join(dir, 'minimal.db')}`));

  const durable = await durableRun(`file:${join(dir, 'ingest.db')}`, 'off');
  // The default configuration counts every submission against the limit: one more write each.
  const durableRateLimited = await durableRun(`file:${join(dir, 'ingest-limited.db')}`, '999999/10m');
  return { bare, bareBusy: { busyUs: BUSY_US, ...bareBusy }, parseBody, noStorage, minimalDurable, durable, durableRateLimited };
}

const times = (a: number, b: number) => Number((a / b).toFixed(2));

/**
 * The outbox runs in a server's process, not in one that has just driven a minute of autocannon.
 * On the same idle machine, delivery measured in this process right after the load read 588
 * msg/s (568 signed); in a fresh process, 1,248 to 1,322 (803 to 903 signed).
 */
function deliveryInItsOwnProcess(): [Awaited<ReturnType<typeof delivery>>, Awaited<ReturnType<typeof delivery>>] {
  const output = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, BENCH_ONLY: 'delivery' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(output.trim().split('\n').at(-1)!);
}

const started = performance.now();
const dir = mkdtempSync(join(tmpdir(), 'formharbor-bench-'));
try {
  if (process.env.BENCH_ONLY === 'delivery') {
    console.log(JSON.stringify([await delivery(dir), await delivery(dir, true)]));
    process.exit(0);
  }
  const ingestResult = await ingest(dir);
  const [deliveryResult, deliverySigned] = deliveryInItsOwnProcess();
  const { bare, bareBusy, parseBody, noStorage, minimalDurable, durable, durableRateLimited } = ingestResult;
  const cpuRatio = times(durable.cpuUsPerRequest, parseBody.cpuUsPerRequest);
  const benchSeconds = Math.round((performance.now() - started) / 1000);
  const results = {
    date: new Date().toISOString(),
    connections: CONNECTIONS,
    seconds: DURATION,
    ...ingestResult,
    // Throughput against the bare endpoint: information only, the generator shares the cores.
    ratio: times(durable.reqPerSec, bare.reqPerSec),
    ratioRateLimited: times(durableRateLimited.reqPerSec, bare.reqPerSec),
    ratioToNoStorage: times(durable.reqPerSec, noStorage.reqPerSec),
    ratioBareBusy: times(bareBusy.reqPerSec, bare.reqPerSec),
    ratioMinimal: times(minimalDurable.reqPerSec, bare.reqPerSec),
    // CPU per answered request against the parseBody endpoint's.
    cpuRatio,
    cpuRatioRateLimited: times(durableRateLimited.cpuUsPerRequest, parseBody.cpuUsPerRequest),
    cpuRatioMinimal: times(minimalDurable.cpuUsPerRequest, parseBody.cpuUsPerRequest),
    cpuTarget: CPU_TARGET,
    delivery: deliveryResult,
    deliveryDkim: deliverySigned,
    benchSeconds,
  };
  writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');

  const row = (r: typeof bare) => ({
    'req/s': Math.round(r.reqPerSec),
    'p99 ms': r.p99,
    'CPU µs/req': r.cpuUsPerRequest,
    '÷ parseBody CPU': times(r.cpuUsPerRequest, parseBody.cpuUsPerRequest),
    'autocannon µs/req': r.generatorCpuUsPerRequest,
    '2xx': r.ok,
    'non-2xx': r.non2xx,
  });
  console.table({
    'Hono text() + URLSearchParams (bare)': row(bare),
    [`the same + ${BUSY_US} µs of busy work`]: row(bareBusy),
    'Hono c.req.parseBody() + c.json()': row(parseBody),
    'validate + store only (minimal-server)': row(minimalDurable),
    'POST /f/:id, commits answered at once': row(noStorage),
    'POST /f/:id, stored (FULL sync), mail held': row(durable),
    '... and counted by a rate limit': row(durableRateLimited),
  });
  const verdict = cpuRatio <= CPU_TARGET ? 'met' : 'NOT met';
  console.log(`durable CPU/request ÷ parseBody CPU/request = ${cpuRatio}x (target ≤ ${CPU_TARGET}x: ${verdict})`);
  console.log(`... rate-limited ${results.cpuRatioRateLimited}x; validate + store only ${results.cpuRatioMinimal}x`);
  for (const [name, run] of [
    ['durable', durable],
    ['rate-limited', durableRateLimited],
  ] as const) {
    const acknowledged = run.warmupOk + run.ok;
    console.log(`${name}: acknowledged ${acknowledged}, stored ${run.stored}; integrity ${run.integrity}; peak RSS ${run.peakRssMb} MB`);
  }
  console.log(
    `req/s, for information (autocannon shares the cores): durable / bare = ${results.ratio}x, / storing nothing = ${results.ratioToNoStorage}x`,
  );

  const d = deliveryResult;
  const k = deliverySigned;
  console.log(
    `delivery: ${d.sent}/${d.messages} sent, ${d.received} received in ${d.seconds} s; DKIM-signed ${k.sent}/${k.messages}, ${k.received} in ${k.seconds} s`,
  );
  console.table({
    'outbox → local sink': { 'msg/s': d.perSecond, 'CPU µs/msg': d.cpuUsPerMessage },
    'nodemailer alone (pre-rendered, no database)': { 'msg/s': d.nodemailerAlonePerSecond, 'CPU µs/msg': d.nodemailerAloneCpuUsPerMessage },
    'outbox → local sink, DKIM RSA-2048': { 'msg/s': k.perSecond, 'CPU µs/msg': k.cpuUsPerMessage },
    'nodemailer alone, DKIM RSA-2048': { 'msg/s': k.nodemailerAlonePerSecond, 'CPU µs/msg': k.nodemailerAloneCpuUsPerMessage },
  });
  console.log(`DKIM-signed delivery: ${k.perSecond} msg/s (target ≥ ${DKIM_TARGET}: ${k.perSecond >= DKIM_TARGET ? 'met' : 'NOT met'})`);
  console.log(`the bench took ${benchSeconds} s`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
