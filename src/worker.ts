// The Cloudflare Workers entry: the same app as node.ts over D1, an unpooled SMTP
// transport, `waitUntil` for work after the answer, and a cron trigger for the outbox.

// workerd hands warnings to node:process only once that module is loaded; without it each
// SMTP session ends in an "Uncaught TypeError" from a MaxListeners warning (workerd#7310).
import 'node:process';
import type { D1Database, ExecutionContext, ScheduledController } from '@cloudflare/workers-types/index.ts';
import { drizzle } from 'drizzle-orm/d1';
import { createApp, periodicWork } from './app.ts';
import { ConfigError, loadConfig, type Config, type Env } from './config.ts';
import * as schema from './db/schema.ts';
import type { Db, Deps, Log } from './deps.ts';
import { misconfigured, missingSecretRefusal, type MissingSecrets } from './http/refusals.ts';
import { randomSecret, sha256 } from './ids.ts';
import { createOutbox } from './mail/outbox.ts';
import { createRelayMailer } from './mail/relays.ts';
import embedText from '../public/embed.js';

const EMBED_JS: string = embedText;

/** The bindings wrangler.toml declares, plus vars and secrets with the CONTRACT.md names. */
export type WorkerEnv = { DB: D1Database } & Record<string, unknown>;

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
};

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
 * Per invocation: sockets and promises must not cross requests on Workers, so the mailer
 * (one connection per message) and the outbox (which folds concurrent runs into one) are new.
 */
function workerDeps(setup: Setup, ctx: ExecutionContext): Deps {
  const { config } = setup;
  return {
    config,
    db: setup.db,
    commit: setup.commit,
    mailer: createRelayMailer(config, false),
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
  const deps = workerDeps(setup, ctx);
  return createApp(deps, createOutbox(deps, WORKER_OUTBOX_LIMITS)).fetch(request, env, ctx);
}

/**
 * The cron trigger: the D1 outbox plus this sweep are the record of what must still be sent;
 * the first attempt made under a request's `waitUntil` may be cut off (RELIABILITY rule 8).
 */
async function scheduledHandler(_controller: ScheduledController, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
  let setup: Setup;
  try {
    setup = setupFor(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Nothing is sent while the configuration is wrong; the outbox keeps every delivery for later.
    return log.error(`formharbor: ${error.message}`);
  }
  const deps = workerDeps(setup, ctx);
  for (const work of periodicWork(deps, createOutbox(deps, WORKER_OUTBOX_LIMITS))) deps.defer(work);
}

export default { fetch: fetchHandler, scheduled: scheduledHandler };
