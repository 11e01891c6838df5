import type { WebhookSpec } from '../../src/db/schema.ts';
import { webhookNetwork } from '../../src/node-wiring.ts';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'hono';
import { fileURLToPath } from 'node:url';
import { createApp } from '../../src/app.ts';
import { loadConfig, type Env } from '../../src/config.ts';
import { createForm } from '../../src/db/forms.ts';
import { createGroupCommit } from '../../src/db/group-commit.ts';
import { migrateLibsql, openLibsql, type LibsqlDatabase } from '../../src/db/libsql.ts';
import type { Deps, Log } from '../../src/deps.ts';
import type { FormInput } from '../../src/forms/definition.ts';
import { createOutbox } from '../../src/mail/outbox.ts';
import { createRelayMailer } from '../../src/mail/relays.ts';
import { nodeDnsLookup } from '../../src/node-wiring.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const ADMIN_PASSWORD = 'test-password-123';

/** A real libSQL file in a fresh temp dir, migrated like production. */
export async function tempDatabase(): Promise<LibsqlDatabase & { dir: string; url: string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'formharbor-test-'));
  const url = `file:${join(dir, 'test.db')}`;
  const database = await openLibsql(url);
  await migrateLibsql(database, fileURLToPath(new URL('../../drizzle', import.meta.url)));
  return {
    ...database,
    dir,
    url,
    cleanup: () => {
      database.client.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A clock the test moves by hand, so hours of backoff pass in milliseconds. */
export function manualClock(start = Date.UTC(2026, 0, 1)) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms), set: (ms: number) => (now = ms) };
}

/** `clientIp`: the visitor's address, or a function of the request (undefined: no address known, as on a Worker without CF-Connecting-IP). */
/** `resolveHost`: the resolver webhooks' guard and connections use (the system's by default). */
export type TestAppOptions = {
  env?: Env;
  smtpUrl?: string;
  clientIp?: string | ((c: Context) => string | undefined);
  resolveHost?: (host: string) => Promise<string[]>;
};

/**
 * The app exactly as production builds it, over a temp database, a real SMTP transport
 * (when a URL is given) and a manual clock. Background work is collected so tests can
 * wait for it instead of sleeping.
 */
export async function testApp(options: TestAppOptions = {}) {
  const database = await tempDatabase();
  const clock = manualClock();
  const { config } = loadConfig(
    {
      ADMIN_TOKEN,
      ADMIN_PASSWORD,
      RATE_LIMIT: 'off',
      MAIL_FROM: 'Formharbor <forms@harbor.test>',
      PUBLIC_URL: 'http://harbor.test',
      ...(options.smtpUrl && { SMTP_URL: options.smtpUrl }),
      ...options.env,
    },
    () => 'unused',
  );
  // Writes go through the commit thread, as on a Node server with a local file.
  const grouped = createGroupCommit(database.url);
  const pending: Promise<unknown>[] = [];
  const errors: string[] = [];
  const infos: string[] = [];
  const log: Log = {
    info: (message, extra) => infos.push(`${message} ${JSON.stringify(extra)}`),
    error: (message, extra) => errors.push(`${message} ${JSON.stringify(extra)}`),
  };
  const ip = options.clientIp;
  const deps: Deps = {
    config,
    db: database.db,
    commit: grouped.commit,
    mailer: createRelayMailer(config, { pool: true }),
    now: clock.now,
    defer: (work) => void pending.push(work.catch((error) => errors.push(String(error)))),
    log,
    clientIp: typeof ip === 'function' ? ip : () => ip ?? '192.0.2.1',
    ...webhookNetwork(config, options.resolveHost),
    embedJs: readFileSync(new URL('../../public/embed.js', import.meta.url), 'utf8'),
    dns: nodeDnsLookup(config.dnsServers),
  };
  const outbox = createOutbox(deps);
  const app = createApp(deps, outbox);
  return {
    app,
    deps,
    outbox,
    clock,
    database,
    errors,
    infos,
    /** Waits for everything handed to `defer` so far. */
    settle: async () => {
      while (pending.length) await Promise.all(pending.splice(0));
    },
    createForm: async (input: Partial<FormInput> & { webhooks?: WebhookSpec[] } = {}) => {
      const defaults: FormInput = {
        name: 'Contact',
        recipients: ['owner@site.test'],
        allowedOrigins: [],
        fields: [],
        extraFields: 'keep',
        language: 'en',
      };
      const form = await createForm(database.db, { ...defaults, ...input }, clock.now());
      if (!form) throw new Error(`A form with the id "${input.id}" exists`);
      return form;
    },
    api: (path: string, init: RequestInit = {}) =>
      app.request(`/api${path}`, {
        ...init,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...init.headers },
      }),
    close: async () => {
      deps.mailer?.close();
      await grouped.close();
      database.cleanup();
    },
  };
}

export type TestApp = Awaited<ReturnType<typeof testApp>>;

export const form = (fields: Record<string, string | string[]>) => {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const v of [value].flat()) body.append(name, v);
  return body;
};
