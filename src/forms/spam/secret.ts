import { settingOnce } from '../../db/settings.ts';
import type { Db } from '../../deps.ts';
import { randomSecret } from '../../ids.ts';

// The ticket key lives in the database, made on first use: it survives restarts, and every
// process and Worker isolate over the same database signs and checks with the same one.
const secrets = new WeakMap<Db, Promise<string>>();

export function ticketSecret(db: Db): Promise<string> {
  let secret = secrets.get(db);
  if (!secret) {
    secret = settingOnce(db, 'ticket_secret', randomSecret(32));
    // A failed read is not remembered: the next request tries again.
    secret.catch(() => secrets.delete(db));
    secrets.set(db, secret);
  }
  return secret;
}
