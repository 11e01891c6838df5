// The Cloudflare Workers entry: the same app as node.ts over D1, a queue consumer that sends
// deliveries in batches over a few SMTP connections, and a cron trigger for the outbox. Without
// the queue binding a request sends its own notification under `waitUntil`.

import { AsyncLocalStorage } from 'node:async_hooks';
import type { D1Database, ExecutionContext, MessageBatch, Queue, ScheduledController } from '@cloudflare/workers-types/index.ts';
import { drizzle } from 'drizzle-orm/d1';
import { createApp, periodicWork } from './app.ts';
import { ConfigError, loadConfig, type Config, type Env } from './config.ts';
import * as schema from './db/schema.ts';
import type { Db, Deps, Log } from './deps.ts';
import { misconfigured, missingSecretRefusal, type MissingSecrets } from './http/refusals.ts';
import { randomSecret, sha256 } from './ids.ts';
import { createOutbox, type Outbox } from './mail/outbox.ts';
import { createRelayMailer } from './mail/relays.ts';
import { BATCH_CONNECTIONS } from './workerd-sockets.ts';
import embedText from '../public/embed.js';

const EMBED_JS: string = embedText;

/** The bindings wrangler.toml declares, plus vars and secrets with the CONTRACT.md names. */
export type WorkerEnv = { DB: D1Database; DELIVERIES?: Queue<string> } & Record<string, unknown>;

/** One D1 batch per commit: D1 runs a batch as a single transaction. */
function d1Commit(d1: D1Database): Deps['commit'] {
  return async (statements) => {
    const results = await d1.batch<Record<string, unknown>>(statements.map(({ sql, params }) => d1.prepare(sql).bind(...params)));
    return results.map((result) => result.results ?? []);
  };
}

/** What one isolate can reuse across requests: nothing here does I/O by itself. */
type Setup = {
  config: Config;
  db: Db;
  commit: Deps['commit'];
  /** Secrets that were not set: with no console to print a generated one, their surface refuses everyone. */
  missing: MissingSecrets;
  /** Built at the first request, with deps bound to each request (`thisRequest`). */
  app?: ReturnType<typeof createApp>;
};

/**
 * The request being answered, for the one app an isolate builds. Building the app per request
 * (its ~60 routes, then Hono compiling its router at the first match) cost about 1.5 ms of CPU,
 * a quarter of a submission's; but sockets and promises must not cross requests on Workers, so
 * the deps and the outbox stay each request's own, found here.
 */
const thisRequest = new AsyncLocalStorage<{ deps: Deps; outbox: Outbox }>();

/** An object whose every property is read from the current request's own `part`. */
function requestBound<T extends object>(part: (scope: { deps: Deps; outbox: Outbox }) => T): T {
  return new Proxy({} as T, {
    get(_target, key) {
      const scope = thisRequest.getStore();
      if (!scope) throw new Error('Formharbor: the app was used outside a request');
      const own = part(scope);
      const value: unknown = Reflect.get(own, key);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(own) : value;
    },
  });
}

const log: Log = {
  info: (message, extra) => console.log(message, extra ?? ''),
  error: (message, extra) => console.error(message, extra ?? ''),
};

function loadSetup(env: WorkerEnv): Setup {
  const vars: Env = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  const { config, generated } = loadConfig(vars, randomSecret);
  // Links in mail would otherwise come from each request's Host header, which a visitor chooses.
  if (!config.publicUrlSet) {
    throw new ConfigError(
      'PUBLIC_URL is not set: on Workers it is required (the https:// address the Worker answers at), e.g. in wrangler.toml [vars]',
    );
  }
  const missing = { adminToken: !!generated.adminToken, adminPassword: !!generated.adminPassword };
  // Admin sessions are signed with password and token together. A per-isolate random token
  // would sign users out whenever another isolate answers, so derive a stable one instead;
  // /api stays closed while ADMIN_TOKEN is unset either way.
  if (missing.adminToken && !missing.adminPassword) config.adminToken = sha256(`formharbor: ADMIN_TOKEN unset\n${config.adminPassword}`);
  return { config, db: drizzle(env.DB, { schema }), commit: d1Commit(env.DB), missing };
}

// `env` is one object per isolate, so the parsed config is cached on it, never at import.
const setups = new WeakMap<WorkerEnv, Setup>();
function setupFor(env: WorkerEnv): Setup {
  let setup = setups.get(env);
  if (!setup) setups.set(env, (setup = loadSetup(env)));
  return setup;
}

/**
 * Per invocation: sockets and promises must not cross requests on Workers, so the mailer and
 * the outbox (which folds concurrent runs into one) are new. A request's mailer opens one
 * connection per message; a batch's (`batch`) keeps one connection for all its messages and
 * must be closed when the invocation's work is done.
 */
function workerDeps(setup: Setup, env: WorkerEnv, ctx: ExecutionContext, { batch = false } = {}): Deps {
  const { config } = setup;
  const queue = env.DELIVERIES;
  return {
    config,
    db: setup.db,
    commit: setup.commit,
    // Composed whole: each socket write is dear on workerd (src/mail/smtp.ts, `composed`).
    mailer: createRelayMailer(config, { pool: batch, maxConnections: batch ? BATCH_CONNECTIONS : 1, composeWhole: true }),
    // One message per delivery: the consumer gathers up to max_batch_size of them into one invocation.
    ...(queue && { enqueue: (ids: string[]) => queue.sendBatch(ids.map((id) => ({ body: id }))) }),
    now: Date.now,
    // The runtime would only log a bare rejection; this names it like Node does.
    defer: (work) =>
      ctx.waitUntil(
        work.catch((error: unknown) =>
          log.error('background work failed', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
        ),
      ),
    log,
    clientIp: (c) => c.req.header('cf-connecting-ip'),
    embedJs: EMBED_JS,
  };
}

/**
 * One run stays inside a Worker invocation's budget (about 50 D1 queries, 6 open sockets,
 * ~30 s of waitUntil on the free plan): at most 3 chunks of 10 messages, the rest next minute.
 * A run cut off midway leaves rows `sending` until their lease expires, then they go again.
 */
const WORKER_OUTBOX_LIMITS = { claimLimit: 10, maxChunks: 3 };

const QUEUE_MAX_DELAY_SECONDS = 12 * 60 * 60;

/** Closes a batch mailer once every piece of the invocation's work has settled. */
function closeWhenSettled(deps: Deps, ctx: ExecutionContext, work: Promise<unknown>[]): void {
  ctx.waitUntil(Promise.allSettled(work).then(() => deps.mailer?.close()));
}

async function fetchHandler(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
  let setup: Setup;
  try {
    setup = setupFor(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return misconfigured(error, log, request);
  }
  const refused = await missingSecretRefusal(request, setup.missing);
  if (refused) return refused;
  const deps = workerDeps(setup, env, ctx);
  setup.app ??= createApp(
    requestBound((scope) => scope.deps),
    requestBound((scope) => scope.outbox),
  );
  const app = setup.app;
  return thisRequest.run({ deps, outbox: createOutbox(deps, WORKER_OUTBOX_LIMITS) }, () => app.fetch(request, env, ctx));
}

/**
 * The setup for work without a request (the cron, the queue); undefined, logged, while the
 * configuration is wrong: nothing is sent then, and the outbox keeps every delivery for later.
 */
function setupOrLog(env: WorkerEnv): Setup | undefined {
  try {
    return setupFor(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    log.error(`formharbor: ${error.message}`);
    return undefined;
  }
}

/**
 * The cron trigger: the D1 outbox plus this sweep are the record of what must still be sent;
 * the first attempt made under a request's `waitUntil` may be cut off (RELIABILITY rule 8).
 */
async function scheduledHandler(_controller: ScheduledController, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
  const setup = setupOrLog(env);
  if (!setup) return;
  const deps = workerDeps(setup, env, ctx, { batch: true });
  const work = periodicWork(deps, createOutbox(deps, WORKER_OUTBOX_LIMITS));
  for (const piece of work) deps.defer(piece);
  closeWhenSettled(deps, ctx, work);
}

/**
 * The queue consumer: a batch of delivery ids, claimed under the lease and sent over one
 * connection. A delivery that failed for now comes back when its retry is due; anything else is
 * acknowledged, since the outbox in D1, swept by the cron, is the record of what is left.
 */
async function queueHandler(batch: MessageBatch<string>, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
  const setup = setupOrLog(env);
  // Acknowledged: the deliveries wait in D1 and the cron sends them once the configuration is fixed.
  if (!setup) return;
  const deps = workerDeps(setup, env, ctx, { batch: true });
  const sending = createOutbox(deps).deliver(batch.messages.map((message) => message.body));
  closeWhenSettled(deps, ctx, [sending]);
  const retryAt = await sending;
  const now = Date.now();
  for (const message of batch.messages) {
    const at = retryAt.get(message.body);
    if (at === undefined) message.ack();
    // Queues delay a retry by at most 12 hours; a later one waits for the cron's sweep after that.
    else message.retry({ delaySeconds: Math.min(QUEUE_MAX_DELAY_SECONDS, Math.max(0, Math.ceil((at - now) / 1000))) });
  }
}

export default { fetch: fetchHandler, scheduled: scheduledHandler, queue: queueHandler };
