import { getPath } from 'hono/utils/url';
import type { ConfigError } from '../config.ts';
import type { Log } from '../deps.ts';
import { AppError } from '../errors.ts';
import { pickLanguage, translator } from '../i18n/index.ts';
import { PAGE_CSP } from '../pages.ts';
import { ErrorPage } from '../views/ErrorPage.tsx';
import { documentOf } from '../views/Page.tsx';
import { errorJson, under } from './errors.ts';

// The Worker's answers before the app exists: with no console to print a generated secret,
// a surface whose secret is unset refuses everyone, and a bad variable stops every request.

/** Secrets that were not set on the Worker. */
export type MissingSecrets = { adminToken: boolean; adminPassword: boolean };

/** The answer for a surface whose secret is not set, or undefined when the app may answer. */
export async function missingSecretRefusal(request: Request, missing: MissingSecrets): Promise<Response | undefined> {
  // Hono's own path reading, so an encoded path cannot route past this check.
  const path = getPath(request);
  if (missing.adminToken && under(path, '/api')) {
    const message = 'ADMIN_TOKEN is not set on this Worker, so /api refuses everyone: run `npx wrangler secret put ADMIN_TOKEN`';
    return errorJson(new AppError('unauthorized', message), path);
  }
  if (missing.adminPassword && under(path, '/admin')) {
    const lang = pickLanguage(request.headers.get('accept-language') ?? undefined) ?? 'en';
    const message =
      'ADMIN_PASSWORD is not set on this Worker, so the admin refuses everyone. Set it with `npx wrangler secret put ADMIN_PASSWORD`.';
    const page = await documentOf(ErrorPage({ lang, t: translator(lang), status: 401, message, forOwner: false }));
    return new Response(page, {
      status: 401,
      headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': PAGE_CSP, 'cache-control': 'no-store' },
    });
  }
  return undefined;
}

/**
 * A variable that does not parse, or PUBLIC_URL unset: named in the owner's log (secrets' values
 * are never quoted), not to visitors; /healthz, which monitoring reads, says what is wrong.
 */
export function misconfigured(error: ConfigError, log: Log, request: Request): Response {
  log.error(`formharbor: ${error.message}`);
  if (getPath(request) === '/healthz') return Response.json({ ok: false, error: 'misconfigured', reason: error.message }, { status: 503 });
  return Response.json(
    { ok: false, error: 'internal', message: 'The Worker is misconfigured; its logs name the variable' },
    { status: 500 },
  );
}
