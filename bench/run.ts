/**
 * `npm run bench`: durable ingest against a bare Hono endpoint in the same run, then
 * outbox delivery throughput into a local SMTP sink. Prints a table, writes bench/results.json.
 */
import { execSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { count, eq } from 'drizzle-orm';
import { loadConfig } from '../src/config.ts';
import { createGroupCommit } from '../src/db/group-commit.ts';
import { migrateLibsql, openLibsql } from '../src/db/libsql.ts';
import { createForm } from '../src/db/forms.ts';
import { deliveries, forms, submissions } from '../src/db/schema.ts';
import { renderNotification } from '../src/mail/render.ts';
import type { Deps } from '../src/deps.ts';
import { createOutbox, newDelivery } from '../src/mail/outbox.ts';
import { createSmtpMailer } from '../src/mail/smtp.ts';
import { submissionInsert } from '../src/db/submissions.ts';
import { ulid } from '../src/ids.ts';

const BODY = 'name=Alice&email=alice%40example.com&message=Hello+there%2C+I+would+like+a+quote+for+a+website.';
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 20;
const BACKLOG = 2_000;

/**
 * `npm start`'s command line after `node`: the durable runs start its script, and every server
 * here runs with its flags (V8's heap sizes among them), so all are compared on equal terms.
 */
const START_ARGS: string[] = JSON.parse(readFileSync('package.json', 'utf8')).scripts.start.split(/\s+/).slice(1);
const NODE_FLAGS = START_ARGS.slice(0, -1);
const START_SCRIPT = START_ARGS.at(-1)!;

type Server = { child: ChildProcess; port: number; peakRssMb: () => number; stop: () => Promise<void> };

/** Starts a server in its own process, so the load generator does not share its event loop. */
async function startServer(args: string[], env: NodeJS.ProcessEnv): Promise<Server> {
  const child = spawn(process.execPath, [...NODE_FLAGS, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      const match = /\(port (\d+)\)/.exec(out);
      if (match) resolve(Number(match[1]));
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

async function load(port: number, path: string) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    connections: CONNECTIONS,
    duration: DURATION,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: BODY,
  });
  return {
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    non2xx: result.non2xx + result.errors + result.timeouts,
  };
}

/**
 * The compiled server (exactly what `npm start` runs) on a fresh database, loaded once; then
 * what it stored. All load comes from one address, so a rate limit has to be off or high.
 */
async function durableRun(databaseUrl: string, rateLimit: string) {
  const server = await startServer([START_SCRIPT], {
    PORT: '0',
    DATABASE_URL: databaseUrl,
    RATE_LIMIT: rateLimit,
    SMTP_URL: '',
    ADMIN_TOKEN: 'bench-token-0123456789-abcdef',
    ADMIN_PASSWORD: 'bench-password',
  });
  const result = await load(server.port, '/f/demo');
  const rss = server.peakRssMb();
  await server.stop();
  const database = await openLibsql(databaseUrl);
  const [stored] = await database.db.select({ n: count() }).from(submissions).where(eq(submissions.formId, 'demo'));
  const integrity = (await database.client.execute('PRAGMA integrity_check')).rows[0]![0];
  database.client.close();
  return { ...result, stored: stored!.n, integrity, peakRssMb: Math.round(rss) };
}

/** A server of bench/, bundled like dist/node.js and one folder below the project as it is, so paths resolve alike. */
function bundled(name: string) {
  execSync(
    `npx esbuild bench/${name}.ts --bundle --format=esm --platform=node --packages=external --outfile=dist/bench-${name}.js --log-level=warning`,
  );
  return `dist/bench-${name}.js`;
}

/** The bare endpoint, warmed up first; `busyUs` of busy work added to each request. */
async function bareRun(script: string, busyUs: number) {
  const bare = await startServer([script], { BUSY_US: String(busyUs) });
  await load(bare.port, '/f/demo'); // warm-up, not counted
  const result = await load(bare.port, '/f/demo');
  await bare.stop();
  return result;
}

/** A server of bench/ (stub-server, minimal-server), loaded once on a fresh database like the durable run. */
async function referenceRun(name: string, databaseUrl: string) {
  const server = await startServer([bundled(name)], {
    PORT: '0',
    DATABASE_URL: databaseUrl,
    RATE_LIMIT: 'off',
    SMTP_URL: '',
    ADMIN_TOKEN: 'bench-token-0123456789-abcdef',
    ADMIN_PASSWORD: 'bench-password',
  });
  const result = await load(server.port, '/f/demo');
  await server.stop();
  return result;
}

/** What 0.5x of bare allows on this machine: the bare endpoint with this much more CPU per request. */
const BUSY_US = 20;

async function ingest(dir: string) {
  const bareServer = bundled('bare-server');
  const bareResult = await bareRun(bareServer, 0);
  const bareBusy = await bareRun(bareServer, BUSY_US);

  execSync('npm run build', { stdio: 'ignore' });
  const noStorage = await referenceRun('stub-server', `file:${join(dir, 'stub.db')}`);
  const minimalDurable = await referenceRun('minimal-server', `file:${join(dir, 'minimal.db')}`);

  const durable = await durableRun(`file:${join(dir, 'ingest.db')}`, 'off');
  // The default configuration counts every submission against the limit: one more write each.
  const durableRateLimited = await durableRun(`file:${join(dir, 'ingest-limited.db')}`, '999999/10m');
  return { bare: bareResult, bareBusy: { busyUs: BUSY_US, ...bareBusy }, noStorage, minimalDurable, durable, durableRateLimited };
}

/** The counting SMTP sink (bench/sink-server.ts) in a process of its own. */
async function countingSink() {
  const child = fork('bench/sink-server.ts', { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () => new Promise<{ port?: number; received?: number }>((resolve) => child.once('message', resolve as (m: unknown) => void));
  const { port } = await next();
  return {
    url: `smtp://127.0.0.1:${port}`,
    received: async () => {
      const answer = next();
      child.send('count');
      return (await answer).received!;
    },
    close: () => child.disconnect(),
  };
}

async function delivery(dir: string) {
  const sink = await countingSink();
  const url = `file:${join(dir, 'outbox.db')}`;
  const database = await openLibsql(url);
  await migrateLibsql(database, fileURLToPath(new URL('../drizzle', import.meta.url)));
  const { config } = loadConfig(
    { SMTP_URL: sink.url, ADMIN_TOKEN: 'bench-token-0123456789-abcdef', ADMIN_PASSWORD: 'x'.repeat(8) },
    () => '',
  );
  const grouped = createGroupCommit(url);
  const deps: Deps = {
    config,
    db: database.db,
    // Writes go through the commit thread, as in `npm start` on a local file.
    commit: grouped.commit,
    mailer: createSmtpMailer({ url: sink.url, pool: true, mailFrom: config.mailFrom }),
    now: Date.now,
    defer: () => {},
    log: { info: () => {}, error: console.error },
    clientIp: () => undefined,
    embedJs: '',
  };
  const form = await createForm(
    database.db,
    { name: 'Bench', recipients: ['owner@bench.test'], allowedOrigins: [], fields: [], extraFields: 'keep' },
    Date.now(),
  );
  for (let i = 0; i < BACKLOG; i += 500) {
    const rows = Array.from({ length: 500 }, () => {
      const id = ulid(Date.now());
      return [
        submissionInsert(database.db, {
          id,
          formId: form.id,
          createdAt: Date.now(),
          status: 'inbox',
          data: { name: 'Alice', message: 'Hello' },
          meta: {},
        }),
        newDelivery(deps, form.recipients, id, Date.now()),
      ];
    }).flat();
    await deps.commit(rows);
  }
  // Warm-up (not counted): a cold JIT made the first 2,000 sends ~25% slower than the next.
  await nodemailerAlone(database.db, sink.url, config.mailFrom);
  const reference = await nodemailerAlone(database.db, sink.url, config.mailFrom);
  const sentBefore = await sink.received();
  const started = performance.now();
  await createOutbox(deps).run();
  const seconds = (performance.now() - started) / 1000;
  const [sent] = await database.db.select({ n: count() }).from(deliveries).where(eq(deliveries.status, 'sent'));
  deps.mailer!.close();
  await grouped.close();
  const received = (await sink.received()) - sentBefore;
  database.client.close();
  sink.close();
  const perSecond = BACKLOG / seconds;
  return {
    messages: BACKLOG,
    sent: sent!.n,
    received,
    seconds: Number(seconds.toFixed(2)),
    perSecond: Math.round(perSecond),
    nodemailerAlonePerSecond: Math.round(reference),
    ratio: Number((perSecond / reference).toFixed(2)),
  };
}

/**
 * The delivery reference: the same notifications, rendered beforehand, sent by a fresh pooled
 * transport into the same sink in chunks of the outbox's size, with no database at all.
 */
async function nodemailerAlone(db: Deps['db'], url: string, mailFrom: string): Promise<number> {
  const rows = await db
    .select()
    .from(deliveries)
    .innerJoin(submissions, eq(submissions.id, deliveries.submissionId))
    .innerJoin(forms, eq(forms.id, submissions.formId));
  const messages = rows.map((row) =>
    renderNotification({
      form: { ...row.forms, recipients: row.deliveries.recipients },
      submission: row.submissions,
      messageId: row.deliveries.messageId,
      mailFrom,
      publicUrl: 'http://localhost:3000',
    }),
  );
  const mailer = createSmtpMailer({ url, pool: true, mailFrom });
  const started = performance.now();
  for (let i = 0; i < messages.length; i += 100) {
    const results = await Promise.all(messages.slice(i, i + 100).map((message) => mailer.send(message)));
    if (results.some((result) => !result.ok)) throw new Error('the reference run was refused by the sink');
  }
  const seconds = (performance.now() - started) / 1000;
  mailer.close();
  return messages.length / seconds;
}

const dir = mkdtempSync(join(tmpdir(), 'formharbor-bench-'));
try {
  if (process.env.BENCH_ONLY === 'delivery') {
    console.log(await delivery(dir));
    process.exit(0);
  }
  const ingestResult = await ingest(dir);
  const deliveryResult = await delivery(dir);
  const ratio = ingestResult.durable.reqPerSec / ingestResult.bare.reqPerSec;
  const ratioRateLimited = ingestResult.durableRateLimited.reqPerSec / ingestResult.bare.reqPerSec;
  const ratioToNoStorage = ingestResult.durable.reqPerSec / ingestResult.noStorage.reqPerSec;
  const ratioBareBusy = ingestResult.bareBusy.reqPerSec / ingestResult.bare.reqPerSec;
  const ratioMinimal = ingestResult.minimalDurable.reqPerSec / ingestResult.bare.reqPerSec;
  const results = {
    date: new Date().toISOString(),
    connections: CONNECTIONS,
    seconds: DURATION,
    ...ingestResult,
    ratio: Number(ratio.toFixed(2)),
    ratioRateLimited: Number(ratioRateLimited.toFixed(2)),
    ratioToNoStorage: Number(ratioToNoStorage.toFixed(2)),
    ratioBareBusy: Number(ratioBareBusy.toFixed(2)),
    ratioMinimal: Number(ratioMinimal.toFixed(2)),
    delivery: deliveryResult,
  };
  writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
  const { bare, bareBusy, noStorage, minimalDurable, durable, durableRateLimited } = ingestResult;
  const row = (r: typeof bare) => ({
    'req/s': Math.round(r.reqPerSec),
    'p50 ms': r.p50,
    'p99 ms': r.p99,
    '2xx': r.ok,
    'non-2xx': r.non2xx,
  });
  console.table({
    'bare Hono (parse + JSON)': row(bare),
    [`bare Hono + ${BUSY_US} µs of busy work`]: row(bareBusy),
    'POST /f/:id, commits answered at once (stores nothing)': row(noStorage),
    'validate + store only (bench/minimal-server.ts)': row(minimalDurable),
    'POST /f/:id (stored, FULL sync)': row(durable),
    '... and counted by a rate limit': row(durableRateLimited),
  });
  for (const [name, run, r] of [
    ['durable', durable, ratio],
    ['rate-limited', durableRateLimited, ratioRateLimited],
  ] as const) {
    console.log(
      `${name} / bare = ${r.toFixed(2)}x; acknowledged ${run.ok}, stored ${run.stored}; integrity ${run.integrity}; peak RSS ${run.peakRssMb} MB`,
    );
  }
  console.log(`bare + ${BUSY_US} µs / bare = ${ratioBareBusy.toFixed(2)}x: what any route adding that much work reaches here`);
  console.log(`validate + store only / bare = ${ratioMinimal.toFixed(2)}x: what validating and storing alone reach here`);
  console.log(`durable / the same server storing nothing = ${ratioToNoStorage.toFixed(2)}x: what storing before answering costs`);
  console.log(
    `delivery: ${deliveryResult.sent}/${deliveryResult.messages} sent, ${deliveryResult.received} received in ${deliveryResult.seconds} s = ${deliveryResult.perSecond} msg/s`,
  );
  console.log(
    `nodemailer alone, same messages and sink, no database: ${deliveryResult.nodemailerAlonePerSecond} msg/s; outbox / alone = ${deliveryResult.ratio}x`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
