import type { Context } from 'hono';
import { getSignedCookie } from 'hono/cookie';
import type { AppEnv } from '../app-env.ts';
import { isLiveSession } from '../db/sessions.ts';
import { sha256 } from '../ids.ts';

// The admin's session cookie: signed with the admin's secrets, checked against the sessions table.

export const COOKIE = 'fh_session';

/** What the session check puts on the context of every admin page behind it. */
export type AdminEnv = AppEnv & { Variables: { session: string; csrfToken: string; timeZone: string; unread?: number } };

/** Changing the password or the token signs every session out. */
export const signingSecret = <E extends AppEnv>(c: Context<E>) => `${c.var.deps.config.adminPassword}\n${c.var.deps.config.adminToken}`;

/** The id of this browser's session while it lasts and has not signed out. */
export async function sessionOf<E extends AppEnv>(c: Context<E>): Promise<string | undefined> {
  const id = await getSignedCookie(c, signingSecret(c), COOKIE);
  return id && (await isLiveSession(c.var.deps.db, id, c.var.deps.now())) ? id : undefined;
}

export const csrfTokenFor = <E extends AppEnv>(c: Context<E>, session: string) => sha256(`csrf\n${session}\n${signingSecret(c)}`);
