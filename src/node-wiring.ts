import { readFileSync } from 'node:fs';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Config } from './config.ts';
import type { Deps, Log } from './deps.ts';
import { migrateLibsql, openLibsql } from './db/libsql.ts';
import { createGroupCommit } from './db/group-commit.ts';
import { createSmtpMailer } from './mail/smtp.ts';

const EMBED_JS = new URL('../public/embed.js', import.meta.url);

export const consoleLog: Log = {
  info: (message, extra) => console.log(extra ? `${message} ${JSON.stringify(extra)}` : message),
  error: (message, extra) => console.error(extra ? `${message} ${JSON.stringify(extra)}` : message),
};

/**
 * The Node dependencies shared by the server and the CLI: libSQL (migrated), group commit
 * for a local file, pooled SMTP. `close` releases all of them.
 */
export async function nodeDeps(config: Config, log: Log = consoleLog): Promise<{ deps: Deps; close: () => Promise<void> }> {
  const database = await openLibsql(config.databaseUrl, config.databaseAuthToken);
  await migrateLibsql(database);
  // A remote libSQL server already answers asynchronously; only a local file blocks the event loop.
  const grouped = config.databaseUrl.startsWith('file:') ? createGroupCommit(config.databaseUrl, config.databaseAuthToken) : undefined;
  const deps: Deps = {
    config,
    db: database.db,
    ...(grouped && { groupCommit: grouped.commit }),
    mailer: config.smtpUrl ? createSmtpMailer({ url: config.smtpUrl, pool: true, mailFrom: config.mailFrom }) : null,
    now: Date.now,
    defer: (work) => {
      work.catch((error: unknown) => log.error('background work failed', { error: String(error) }));
    },
    log,
    clientIp: (c) => getConnInfo(c).remote.address,
    embedJs: readFileSync(EMBED_JS, 'utf8'),
  };
  return {
    deps,
    close: async () => {
      deps.mailer?.close();
      await grouped?.close();
      database.client.close();
    },
  };
}
