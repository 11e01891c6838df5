import { lookup, Resolver } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { isIPv6, type LookupFunction } from 'node:net';
import { fileURLToPath } from 'node:url';
import { getConnInfo } from '@hono/node-server/conninfo';
import { ConfigError, type Config } from './config.ts';
import type { Deps, Log } from './deps.ts';
import { batchCommit, migrateLibsql, openLibsql } from './db/libsql.ts';
import { createGroupCommit } from './db/group-commit.ts';
import { refusedResolution } from './mail/address-guard.ts';
import type { DnsLookup } from './mail/domain-check.ts';
import { Agent, fetch as undiciFetch } from 'undici';

// Resolved from this module, one folder below the project in src/ and in the dist/ bundle alike.
const EMBED_JS = new URL('../public/embed.js', import.meta.url);
export const MIGRATIONS = fileURLToPath(new URL('../drizzle', import.meta.url));

const consoleLog: Log = {
  info: (message, extra) => console.log(extra ? `${message} ${JSON.stringify(extra)}` : message),
  error: (message, extra) => console.error(extra ? `${message} ${JSON.stringify(extra)}` : message),
};

/** Nodemailer is loaded only when SMTP is configured: a server holding mail does without its memory. */
async function smtpMailer(config: Config) {
  const { createRelayMailer } = await import('./mail/relays.ts');
  return createRelayMailer(config, { pool: true });
}

const NO_SUCH_RECORD = new Set(['ENODATA', 'ENOTFOUND', 'NXDOMAIN']);

/** node:dns for the domain check, through DNS_SERVERS when set; "no such record" is an empty answer. */
export function nodeDnsLookup(servers: string[]): DnsLookup {
  const resolver = new Resolver({ timeout: 3_000, tries: 2 });
  if (servers.length > 0) resolver.setServers(servers);
  const orNone = <T>(lookup: Promise<T[]>) =>
    lookup.catch((error: { code?: string }) => {
      if (NO_SUCH_RECORD.has(error.code ?? '')) return [] as T[];
      throw error;
    });
  return {
    // A TXT record arrives in chunks of at most 255 characters: one record is their concatenation.
    txt: async (name) => (await orNone(resolver.resolveTxt(name))).map((chunks) => chunks.join('')),
    mx: async (name) => (await orNone(resolver.resolveMx(name))).sort((a, b) => a.priority - b.priority).map((mx) => mx.exchange),
  };
}

/**
 * The visitor's address. Behind N trusted proxies it is the Nth address from the right of
 * X-Forwarded-For (each proxy appends the peer it saw); entries further left are the
 * visitor's own claims and are never believed. Without proxies, the socket's peer.
 */
export function clientIp(peer: string | undefined, forwardedFor: string | undefined, trustProxy: number): string | undefined {
  if (trustProxy === 0) return peer;
  const hops = (forwardedFor ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  // Fewer entries than proxies: the request did not come through them, so nothing in it is believed.
  return hops.length >= trustProxy ? hops[hops.length - trustProxy] : peer;
}

/** The innermost cause's first line: drizzle and libSQL wrap the error that says what happened. */
function rootCause(error: unknown): string {
  let cause = error;
  while (cause instanceof Error && cause.cause !== undefined) cause = cause.cause;
  return String(cause instanceof Error ? cause.message : cause).split('\n')[0]!;
}

/** A database that cannot be opened or migrated stops start-up with one line naming DATABASE_URL. */
async function openMigrated(config: Config) {
  let database;
  try {
    database = await openLibsql(config.databaseUrl, config.databaseAuthToken);
    await migrateLibsql(database, MIGRATIONS);
    return database;
  } catch (error) {
    database?.client.close();
    throw new ConfigError(`Cannot open DATABASE_URL=(hidden): ${rootCause(error)}`);
  }
}

/** Every address of a host, as the system resolver gives them (the webhook address guard checks all). */
export const resolveAllAddresses = async (host: string) => (await lookup(host, { all: true })).map((entry) => entry.address);

/**
 * How webhooks reach the network on Node: `resolveHost` for the guard that names a refused
 * target before the request, and a fetch that checks again the addresses it connects to. The
 * guard's lookup and the connection's are two lookups, and a name can answer a public address
 * to the first and a private one to the second (DNS rebinding). WEBHOOK_ALLOW_PRIVATE=1 lets
 * both through.
 */
export function webhookNetwork(config: Config, resolveHost: (host: string) => Promise<string[]> = resolveAllAddresses) {
  if (config.webhookAllowPrivate) return { resolveHost };
  const guardedLookup: LookupFunction = (hostname, options, callback) => {
    resolveHost(hostname).then(
      (addresses) => {
        const refused = refusedResolution(hostname, addresses);
        if (refused) return callback(Object.assign(new Error(refused), { code: 'EREFUSEDADDRESS' }), '', 0);
        const entries = addresses.map((address) => ({ address, family: isIPv6(address) ? 6 : 4 }));
        if (options.all) return (callback as unknown as (error: null, all: typeof entries) => void)(null, entries);
        return callback(null, entries[0]!.address, entries[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
  const dispatcher = new Agent({ connect: { lookup: guardedLookup } });
  const fetchWebhook = ((input: URL, init: RequestInit) =>
    undiciFetch(input, { ...(init as object), dispatcher })) as unknown as typeof fetch;
  return { resolveHost, fetchWebhook };
}

/**
 * The Node dependencies shared by the server and the CLI: libSQL (migrated), group commit
 * for a local file, pooled SMTP. `close` releases all of them.
 */
export async function nodeDeps(config: Config, log: Log = consoleLog): Promise<{ deps: Deps; close: () => Promise<void> }> {
  const database = await openMigrated(config);
  // A remote libSQL server already answers asynchronously; only a local file blocks the event loop.
  const grouped = config.databaseUrl.startsWith('file:') ? createGroupCommit(config.databaseUrl) : undefined;
  const deps: Deps = {
    config,
    db: database.db,
    commit: grouped?.commit ?? batchCommit(database.client),
    mailer: config.smtpUrl ? await smtpMailer(config) : null,
    now: Date.now,
    defer: (work) => {
      work.catch((error: unknown) =>
        log.error('background work failed', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
      );
    },
    log,
    clientIp: (c) => clientIp(getConnInfo(c).remote.address, c.req.header('x-forwarded-for'), config.trustProxy),
    ...webhookNetwork(config),
    embedJs: readFileSync(EMBED_JS, 'utf8'),
    dns: nodeDnsLookup(config.dnsServers),
  };
  return {
    deps,
    close: async () => {
      deps.mailer?.close();
      await grouped?.close();
      // The database file alone then holds every commit: a backup that copies only that file
      // after a clean stop loses nothing (SQLite leaves this to whichever connection is freed last).
      if (grouped)
        await database.client
          .execute('PRAGMA wal_checkpoint(TRUNCATE)')
          .catch((error: unknown) => log.error('checkpoint at close failed', { error: String(error) }));
      database.client.close();
    },
  };
}
