import type { Context } from 'hono';
import type { Config } from './config.ts';
import type { Commit, Db } from './db/client.ts';
import type { DnsLookup } from './mail/domain-check.ts';
import type { Mailer } from './mail/mailer.ts';

export type { Db } from './db/client.ts';

export type Log = {
  info(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
};

/** Everything the runtime-free core needs; node.ts and worker.ts build this. */
export type Deps = {
  config: Config;
  db: Db;
  /** Every write of the submission path and the outbox (see db/client.ts). */
  commit: Commit;
  /** null when SMTP is not configured: deliveries are then kept `held`. */
  mailer: Mailer | null;
  now: () => number;
  /**
   * Hands deliveries to a queue whose consumer sends them in batches (a Workers Queue); when
   * absent, the outbox sends them from this process or invocation.
   */
  enqueue?: (deliveryIds: string[]) => Promise<unknown>;
  /** Runs work after the response: `waitUntil` on Workers, catch-and-log on Node. */
  defer: (work: Promise<unknown>) => void;
  log: Log;
  /** The peer address as the runtime sees it (socket on Node, CF-Connecting-IP on Workers). */
  clientIp: (c: Context) => string | undefined;
  /**
   * Every address a host name resolves to, for the webhook address guard (Node: dns lookup).
   * Absent on Workers, whose fetch cannot reach private addresses of the server's network.
   */
  resolveHost?: (host: string) => Promise<string[]>;
  /**
   * fetch for webhooks, refusing private addresses again when it connects (Node: the guard's
   * lookup and the connection's are two, and a name may answer differently). Absent: fetch.
   */
  fetchWebhook?: typeof fetch;
  /** The browser script, read from public/embed.js by the entry. */
  embedJs: string;
  /** DNS for the mail domain check: node:dns on Node; absent on Workers, where the check runs from the CLI. */
  dns?: DnsLookup;
};
